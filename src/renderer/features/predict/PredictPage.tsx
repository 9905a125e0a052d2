/**
 * Predict view: open a scan (masks not needed), pick a trained run, the sparsity levels and the
 * mask files to write; the prediction runs off the main process with progress and Cancel. Then
 * every level's predicted mask is shown over the scan, side by side (one viewport per level) or
 * one at a time, with the slices of all viewports in step, and the lesion volume per level, its
 * difference to the first level and, where the scan has a mask, Dice.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { CallOutput, JobProgress } from '../../../shared/api/contract';
import type { PredictMasks } from '../../../shared/api/schemas/predict';
import type { StudioError } from '../../../shared/errors';
import { decodeMask } from '../../../shared/metrics/encode';
import { useApi, useEvent } from '../../api/context';
import { EmptyState } from '../../components/EmptyState';
import { formatEta } from '../../../shared/format/time';
import { sliceImageId } from '../viewer/imageId';
import { SliceViewport } from '../viewer/SliceViewport';
import { ml, parseLevels, parseThreshold, signedMl } from './levels';
import { percent } from '../../../shared/format/percent';
import { checkMapping, defaultMapping } from './channels';
import { dataIssuesProblem } from '../../../shared/data/accept';
import { AcceptDataIssues } from '../../components/AcceptDataIssues';
import './predict.css';

type Dataset = CallOutput<'datasets.open'>;
type Result = CallOutput<'predict.result'>;
type Format = 'nifti' | 'seg' | 'png';
/** The formats without DICOM SEG; NIfTI when nothing else was chosen. */
function withoutSeg(formats: Format[]): Format[] {
  const rest = formats.filter((x) => x !== 'seg');
  return rest.length ? rest : ['nifti'];
}

const FORMATS: { id: Format; label: string }[] = [
  { id: 'nifti', label: 'NIfTI-1 (.nii.gz) in the scan geometry' },
  { id: 'seg', label: 'DICOM SEG (DICOM series only)' },
  { id: 'png', label: 'PNG per slice' },
];

const message = (e: unknown) => {
  const s = e as StudioError;
  return s && typeof s === 'object' && 'what' in s ? `${s.what}. ${s.hint}` : String(e);
};

export function PredictPage() {
  const api = useApi();
  const [runs, setRuns] = useState<CallOutput<'export.list'>['runs'] | undefined>();
  const [path, setPath] = useState('');
  const [dataset, setDataset] = useState<Dataset>();
  const [openError, setOpenError] = useState<string>();
  /** Predict although the data check found NaN/Inf voxels or blank volumes in the scan (acceptDataIssues). */
  const [acceptIssues, setAcceptIssues] = useState(false);
  const [runId, setRunId] = useState('');
  const [levelText, setLevelText] = useState('0, 90');
  const [thresholdText, setThresholdText] = useState('0.5');
  const [formats, setFormats] = useState<Format[]>(['nifti']);
  const [outDir, setOutDir] = useState('');
  const [job, setJob] = useState<{ id: string; progress?: JobProgress; queued?: string }>();
  const [result, setResult] = useState<Result>();
  const [runError, setRunError] = useState<string>();
  const [caseId, setCaseId] = useState('');
  const [masks, setMasks] = useState<PredictMasks>();
  const [index, setIndex] = useState(0);
  const [mode, setMode] = useState<'side' | 'toggle'>('side');
  const [shown, setShown] = useState(0);
  const [opacity, setOpacity] = useState(0.45);
  /** The chosen run's model inputs and what it was trained on (channel names, lesion labels). */
  const [trained, setTrained] = useState<{ runId: string; inputs: number; channels?: string[]; labels?: number[] }>();
  const [mapping, setMapping] = useState<string[]>([]);

  useEffect(() => {
    api.call('export.list', {}).then(
      (l) => {
        const usable = l.runs.filter((r) => r.exportable);
        setRuns(usable);
        setRunId((cur) => cur || usable[0]?.id || '');
      },
      (e) => setRunError(message(e)),
    );
  }, [api]);

  useEffect(() => {
    if (!runId) return;
    let live = true;
    api.call('runs.get', { runId }).then(
      (r) => {
        if (!live) return;
        const d = r.config.data;
        setTrained({
          runId,
          inputs: r.config.model.inChannels,
          ...(d.kind === 'path' && d.channels ? { channels: d.channels } : {}),
          ...(d.kind === 'path' && d.labels ? { labels: d.labels } : {}),
        });
      },
      () => live && setTrained(undefined),
    );
    return () => {
      live = false;
    };
  }, [api, runId]);

  // Multi-channel scans: which scan channel feeds which model input (default: by the names the run was trained on).
  const available = dataset?.choices?.availableChannels;
  useEffect(() => {
    if (available && trained) setMapping(defaultMapping(available, trained.channels, trained.inputs));
    else setMapping([]);
  }, [available, trained]);
  const mappingProblem = available && trained ? checkMapping(mapping, available, trained.inputs) : undefined;

  const open = useCallback(() => {
    setOpenError(undefined);
    api.call('datasets.open', { path: path.trim() }).then(
      (d) => {
        setDataset(d);
        setAcceptIssues(false);
        setResult(undefined);
        setMasks(undefined);
        setCaseId(d.cases[0]?.id ?? '');
        setIndex(0);
        // DICOM SEG references the series it segments: offered (and ticked) for a DICOM series only,
        // so a NIfTI opened after a series never carries a format it cannot be written in.
        setFormats((f) => (d.format === 'dicom' ? (f.includes('seg') ? f : [...f, 'seg']) : withoutSeg(f)));
      },
      (e) => setOpenError(message(e)),
    );
  }, [api, path]);

  const levels = parseLevels(levelText);
  const threshold = parseThreshold(thresholdText);
  const issues = dataset?.quality.issues.map((i) => `${i.file}: ${i.detail}`) ?? [];
  const dataProblem = dataIssuesProblem(issues, acceptIssues, 'predict');
  const invalid = !dataset
    ? 'Open a scan first'
    : dataProblem
      ? dataProblem
      : !runId
        ? 'Choose a trained run'
        : mappingProblem
          ? mappingProblem
          : typeof levels === 'string'
            ? levels
            : typeof threshold === 'string'
              ? threshold
              : !formats.length
                ? 'Choose at least one mask file format'
                : undefined;

  // The prediction is a queued job: follow its progress; once it ended, fetch its result (or its error).
  useEvent('job.progress', (p) => {
    if (p.kind !== 'predict' || !job || p.jobId !== job.id) return;
    if (p.state === undefined || p.state === 'running') return setJob({ id: job.id, progress: p });
    const id = job.id;
    api.call('predict.result', { jobId: id }).then(
      (r) => {
        setResult(r);
        setJob((cur) => (cur?.id === id ? undefined : cur));
        setShown(0);
      },
      (e) => {
        setRunError(message(e));
        setJob((cur) => (cur?.id === id ? undefined : cur));
      },
    );
  });

  const start = () => {
    if (invalid || !dataset || typeof levels === 'string' || typeof threshold === 'string') return;
    const id = `predict-${Date.now().toString(36)}`;
    setJob({ id });
    setRunError(undefined);
    setResult(undefined);
    setMasks(undefined);
    const layout = mapping.length > 0 ? { channels: mapping, ...(trained?.labels ? { labels: trained.labels } : {}) } : {};
    api
      .call('predict.start', {
        runId,
        input: dataset.root,
        levels,
        threshold,
        formats,
        jobId: id,
        ...layout,
        ...(issues.length && acceptIssues ? { acceptDataIssues: true } : {}),
        ...(outDir.trim() ? { outDir: outDir.trim() } : {}),
      })
      .then(
        (j) =>
          j.state === 'queued' &&
          setJob((cur) =>
            cur?.id === id && !cur.progress ? { ...cur, queued: `Queued (position ${j.position ?? 1}): another job is running` } : cur,
          ),
        (e) => {
          setRunError(message(e));
          setJob(undefined);
        },
      );
  };

  useEffect(() => {
    if (!result || !caseId) return;
    let live = true;
    api.call('predict.masks', { predictionId: result.predictionId, caseId }).then(
      (m) => live && setMasks(m),
      (e) => live && setRunError(message(e)),
    );
    return () => {
      live = false;
    };
  }, [api, result, caseId]);

  const caseInfo = dataset?.cases.find((c) => c.id === caseId);
  const count = caseInfo?.sliceCount ?? 0;
  const go = useCallback((i: number) => setIndex(Math.max(0, Math.min(count - 1, i))), [count]);
  const predicted = result?.summary.cases.find((c) => c.caseId === caseId);
  const sliceMasks = useMemo(
    () => masks?.levels.map((l) => (l.slices[index] ? decodeMask(l.slices[index], masks.width * masks.height) : null)) ?? [],
    [masks, index],
  );
  const imageId = dataset && caseInfo ? sliceImageId({ datasetId: dataset.id, caseId: caseInfo.id, index, channel: 0 }) : undefined;
  const visible = mode === 'side' ? (masks?.levels.map((_, i) => i) ?? []) : [shown];

  if (runs && runs.length === 0) {
    return (
      <EmptyState icon="◎" title="Nothing to predict with yet">
        <p>
          Predict lesion masks on a new scan (no mask needed) with a trained run, at several sparsity levels, and save them as NIfTI or
          DICOM SEG.
        </p>
        <p>Train a run in the Train view first (press 2).</p>
      </EmptyState>
    );
  }

  return (
    <div className="predict-page settings-layout">
      <section className="box" aria-label="Prediction settings">
        <h3 className="box__title">Predict on a scan</h3>
        <div className="form-stack">
          <label>
            Scan (folder or file on the studio machine)
            <span className="form-stack__row">
              <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/data/patient-7/series" aria-label="Scan path" />
              <button type="button" onClick={open} disabled={!path.trim()}>
                Open
              </button>
            </span>
          </label>
          {openError && (
            <p className="predict-error" role="alert">
              {openError}
            </p>
          )}
          {dataset && (
            <p className="predict-muted" data-testid="predict-scan">
              {dataset.label}: {dataset.format}, {dataset.caseCount} case(s), {dataset.sliceCount} slices,{' '}
              {dataset.masks.withMask ? `${dataset.masks.withMask} slices with a mask` : 'no masks'}
            </p>
          )}
          {issues.length > 0 && (
            <AcceptDataIssues use="predict" className="form-stack__check" checked={acceptIssues} onChange={setAcceptIssues} />
          )}
          <label>
            Trained run
            <select value={runId} onChange={(e) => setRunId(e.target.value)} aria-label="Trained run">
              {!runs && <option value="">Loading runs…</option>}
              {runs?.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.id})
                </option>
              ))}
            </select>
          </label>
          {available && trained && (
            <fieldset data-testid="predict-channels">
              <legend>Scan channels feeding the model</legend>
              {mapping.map((m, i) => (
                <label key={i} className="form-stack__check">
                  Input {i + 1}
                  {trained.channels?.[i] ? ` (trained on ${trained.channels[i]})` : ''}
                  <select
                    value={m}
                    aria-label={`Scan channel for model input ${i + 1}`}
                    onChange={(e) => setMapping((cur) => cur.map((x, k) => (k === i ? e.target.value : x)))}
                  >
                    {!available.includes(m) && <option value="">choose…</option>}
                    {available.map((a) => (
                      <option key={a} value={a}>
                        {a}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
              {dataset?.choices?.labels && (
                <p className="predict-muted">
                  Dice counts{' '}
                  {trained.labels
                    ? `label${trained.labels.length === 1 ? '' : 's'} ${trained.labels.join(', ')} (as the run was trained)`
                    : 'every non-zero label'}{' '}
                  as lesion.
                </p>
              )}
            </fieldset>
          )}
          <label>
            Sparsity levels (%)
            <input
              value={levelText}
              onChange={(e) => setLevelText(e.target.value)}
              aria-label="Sparsity levels"
              aria-invalid={typeof levels === 'string'}
            />
          </label>
          <label>
            Threshold
            <input
              value={thresholdText}
              onChange={(e) => setThresholdText(e.target.value)}
              aria-label="Threshold"
              aria-invalid={typeof threshold === 'string'}
            />
          </label>
          <fieldset>
            <legend>Mask files</legend>
            {FORMATS.map((f) => (
              <label key={f.id} className="form-stack__check">
                <input
                  type="checkbox"
                  checked={formats.includes(f.id)}
                  disabled={f.id === 'seg' && dataset?.format !== 'dicom'}
                  onChange={() => setFormats((cur) => (cur.includes(f.id) ? cur.filter((x) => x !== f.id) : [...cur, f.id]))}
                />
                {f.label}
              </label>
            ))}
          </fieldset>
          <label>
            Output folder (optional)
            <input
              value={outDir}
              onChange={(e) => setOutDir(e.target.value)}
              placeholder="default: studio home/predictions/<id>"
              aria-label="Output folder"
            />
          </label>
          {job ? (
            <div className="predict-progress" role="status" aria-live="polite">
              <progress max={1} value={job.progress?.fraction ?? 0} aria-label="Prediction progress" />
              <span>
                {job.progress
                  ? `${Math.round(100 * job.progress.fraction)} % ${job.progress.message ?? ''} ${formatEta(job.progress.etaSeconds)}`
                  : (job.queued ?? 'Starting…')}
              </span>
              <button type="button" onClick={() => api.call('jobs.cancel', { jobId: job.id })}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="predict-start" onClick={start} disabled={!!invalid} title={invalid}>
              Predict
            </button>
          )}
          {invalid && !job && <p className="predict-muted">{invalid}</p>}
          {runError && (
            <p className="predict-error" role="alert">
              {runError}
            </p>
          )}
        </div>
      </section>

      <section className="predict-results" aria-label="Prediction results">
        {!result && <p className="predict-muted">The predicted masks of every level appear here over the scan.</p>}
        {result && (
          <>
            <div className="predict-summary box">
              <h3 className="box__title">Lesion volume per level</h3>
              {result.summary.cases.length > 1 && (
                <label>
                  Case{' '}
                  <select
                    value={caseId}
                    onChange={(e) => {
                      setCaseId(e.target.value);
                      setIndex(0);
                    }}
                    aria-label="Case"
                  >
                    {result.summary.cases.map((c) => (
                      <option key={c.caseId} value={c.caseId}>
                        {c.source}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              {predicted && (
                <>
                  <p className="predict-muted">
                    {predicted.source}: {predicted.width}×{predicted.height}×{predicted.depth}
                    {predicted.voxelMl !== null
                      ? `, voxel ${predicted.spacing![0].toFixed(3)} × ${predicted.spacing![1].toFixed(3)} × ${predicted.sliceStep!.toFixed(3)} mm (slice step from ${predicted.sliceStepFrom})`
                      : ', no pixel spacing: volumes in voxels only'}
                    ; threshold {result.summary.config.threshold}; model input {result.summary.modelInput.join('×')}
                    {result.summary.channels ? `; channels ${result.summary.channels.join(', ')}` : ''}
                    {result.summary.lesionLabels ? `; lesion = labels ${result.summary.lesionLabels.join(', ')}` : ''}
                  </p>
                  <table className="predict-table" data-testid="predict-table">
                    <thead>
                      <tr>
                        <th>Sparsity</th>
                        <th>Achieved</th>
                        <th>Voxels</th>
                        <th>Volume</th>
                        <th>vs {percent(result.summary.config.levels[0], { trim: true })}</th>
                        {predicted.hasMask && <th>Dice</th>}
                      </tr>
                    </thead>
                    <tbody>
                      {predicted.levels.map((l, i) => (
                        <tr key={l.sparsity}>
                          <td>{percent(l.sparsity, { trim: true })}</td>
                          <td>{percent(result.summary.levels[i].achieved, { trim: true })}</td>
                          <td>{l.voxels.toLocaleString('en-US')}</td>
                          <td>{ml(l.volumeMl)}</td>
                          <td>{i === 0 ? '' : signedMl(l.deltaMl)}</td>
                          {predicted.hasMask && <td>{l.dice === null ? 'no lesion in mask' : l.dice.toFixed(3)}</td>}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
              {result.summary.warnings.map((w) => (
                <p key={w} className="predict-warning">
                  {w}
                </p>
              ))}
              <details>
                <summary>Files in {result.outDir}</summary>
                <ul className="predict-files" data-testid="predict-files">
                  <li>predictions.json</li>
                  {predicted?.levels.flatMap((l) => l.files.map((f) => <li key={f.path}>{f.path}</li>))}
                </ul>
              </details>
            </div>

            <div className="predict-toolbar">
              <span role="radiogroup" aria-label="Layout">
                <label>
                  <input type="radio" checked={mode === 'side'} onChange={() => setMode('side')} /> Side by side
                </label>
                <label>
                  <input type="radio" checked={mode === 'toggle'} onChange={() => setMode('toggle')} /> One at a time
                </label>
              </span>
              {mode === 'toggle' && (
                <span role="radiogroup" aria-label="Level shown">
                  {result.summary.config.levels.map((s, i) => (
                    <label key={s}>
                      <input type="radio" checked={shown === i} onChange={() => setShown(i)} /> {percent(s, { trim: true })}
                    </label>
                  ))}
                </span>
              )}
              <label>
                Opacity{' '}
                <input
                  type="range"
                  min={0}
                  max={1}
                  step={0.05}
                  value={opacity}
                  onChange={(e) => setOpacity(Number(e.target.value))}
                  aria-label="Mask opacity"
                />
              </label>
            </div>

            <div className="predict-viewports" style={{ gridTemplateColumns: `repeat(${visible.length}, minmax(0, 1fr))` }}>
              {visible.map((li) => {
                const l = predicted?.levels[li];
                return (
                  <figure key={li} className="predict-viewport" data-testid={`predict-level-${li}`}>
                    <SliceViewport
                      imageId={imageId}
                      overlay={{ visible: true, opacity }}
                      overlayMask={sliceMasks[li] ?? null}
                      resetKey={`${dataset?.id}|${caseId}`}
                      label={`Slice ${index + 1} with the mask predicted at sparsity ${l ? percent(l.sparsity, { trim: true }) : ''}`}
                      onWheelSlice={(s) => go(index + s)}
                    />
                    {l && (
                      <figcaption>
                        {percent(l.sparsity, { trim: true })}: {ml(l.volumeMl)}
                        {li > 0 ? ` (${signedMl(l.deltaMl)})` : ''}
                        {l.dice !== null ? `, Dice ${l.dice.toFixed(3)}` : ''}
                      </figcaption>
                    )}
                  </figure>
                );
              })}
            </div>
            <label className="predict-slider">
              Slice {index + 1} / {count}
              <input
                type="range"
                min={0}
                max={Math.max(0, count - 1)}
                value={index}
                onChange={(e) => go(Number(e.target.value))}
                aria-label="Slice"
              />
            </label>
          </>
        )}
      </section>
    </div>
  );
}
