/**
 * Export view: pick a run, a level, formats and weight precisions; see the size estimate and the
 * model card before anything is written; save (asking before replacing files), then see the
 * measured size report and the Dice of every exported file against the float32 model.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CallInput, CallOutput, JobProgress } from '../../../shared/api/contract';
import type { StudioError } from '../../../shared/errors';
import { useApi, useEvent } from '../../api/context';
import { EmptyState } from '../../components/EmptyState';
import { formatEta } from '../../../shared/format/time';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ModelCardPreview } from './ModelCardPreview';
import { parseLevel } from './levels';
import { percent } from '../../../shared/format/percent';
import { SizeReport } from './SizeReport';
import { PRECISION_FORMATS, type WeightPrecision } from '../../../shared/export/schemas';
import './export.css';
import { methodLabel } from '../../../shared/train/optimizerConfig';

type List = CallOutput<'export.list'>;
type Preview = CallOutput<'export.preview'>;
type Result = CallOutput<'export.result'>;
type Format = 'onnx' | 'tfjs' | 'tflite';
type Weights = WeightPrecision;
const FORMATS: { id: Format; label: string }[] = [
  { id: 'onnx', label: 'ONNX (onnxruntime, opset 13)' },
  { id: 'tfjs', label: 'TensorFlow.js layers (model.json + shards)' },
  { id: 'tflite', label: 'TensorFlow Lite (model.tflite, run in LiteRT.js; Android, iOS, microcontrollers)' },
];
const WEIGHTS: { id: Weights; label: string }[] = [
  { id: 'fp32', label: 'float32' },
  { id: 'fp16', label: 'float16' },
  { id: 'int8-weights', label: 'int8-weights: weight-only int8 (smallest file; computes in float32)' },
  { id: 'int8-qdq', label: 'int8-qdq: static int8, computes in int8 in onnxruntime (ONNX only; calibrated on 32 training slices)' },
  {
    id: 'int8-full',
    label: 'int8-full: full-integer int8, computes in int8 in any TFLite runtime (TFLite only; calibrated on 32 training slices)',
  },
];

const message = (e: unknown) => {
  const s = e as StudioError;
  return s && typeof s === 'object' && 'what' in s ? `${s.what}. ${s.hint}` : String(e);
};

function toggle<T>(list: T[], v: T): T[] {
  return list.includes(v) ? list.filter((x) => x !== v) : [...list, v];
}

export function ExportPage() {
  const api = useApi();
  const [list, setList] = useState<List | undefined>();
  const [listError, setListError] = useState<string>();
  const [runId, setRunId] = useState('');
  const [levelText, setLevelText] = useState('90');
  const [family, setFamily] = useState<'unstructured' | 'channel'>('unstructured');
  const [scope, setScope] = useState<'global' | 'layerwise'>('global');
  const [keepFirstLast, setKeepFirstLast] = useState(false);
  const [reestimate, setReestimate] = useState(false);
  const [formats, setFormats] = useState<Format[]>(['onnx']);
  const [weights, setWeights] = useState<Weights[]>(['fp32']);
  const [outDir, setOutDir] = useState('');
  const [preview, setPreview] = useState<{ key: string; data?: Preview; error?: string }>();
  const [job, setJob] = useState<{ id: string; overwrite: boolean; progress?: JobProgress; queued?: string }>();
  const [result, setResult] = useState<Result>();
  const [runError, setRunError] = useState<string>();
  const [confirm, setConfirm] = useState<string[]>();
  /** Bumped after a save so the preview re-reads which files now exist. */
  const [nonce, setNonce] = useState(0);

  const refresh = useCallback(() => {
    api.call('export.list', {}).then(
      (l) => {
        setList(l);
        setListError(undefined);
        setRunId((cur) => cur || l.runs.find((r) => r.exportable)?.id || '');
      },
      (e) => setListError(message(e)),
    );
  }, [api]);
  useEffect(refresh, [refresh]);

  const run = list?.runs.find((r) => r.id === runId);
  const level = parseLevel(levelText);
  const invalid =
    typeof level === 'string'
      ? level
      : !formats.length
        ? 'Choose at least one format'
        : !weights.length
          ? 'Choose at least one weight precision'
          : !formats.some((f) => weights.some((w) => PRECISION_FORMATS[w].includes(f)))
            ? 'int8-qdq is ONNX only and int8-full TFLite only: tick the matching format, or choose int8-weights for any format'
            : !run
              ? 'Choose a run'
              : undefined;
  const request = useMemo(
    () =>
      invalid || typeof level === 'string'
        ? undefined
        : {
            runId,
            sparsity: level,
            family,
            scope,
            keepFirstLast: family === 'unstructured' && keepFirstLast,
            reestimateBatchNorm: reestimate,
            formats,
            weights,
            ...(outDir.trim() ? { outDir: outDir.trim() } : {}),
          },
    [invalid, level, runId, family, scope, keepFirstLast, reestimate, formats, weights, outDir],
  );
  const requestKey = JSON.stringify(request ?? null);

  // The preview follows the form, debounced; a late answer for older settings is dropped.
  const latest = useRef('');
  useEffect(() => setResult(undefined), [requestKey]);
  useEffect(() => {
    latest.current = `${requestKey}#${nonce}`;
    const mine = latest.current;
    if (!request) return;
    setPreview({ key: requestKey });
    const t = setTimeout(() => {
      const { reestimateBatchNorm, ...rest } = request;
      api.call('export.preview', { ...rest, reestimateBatchNorm }).then(
        (data) => latest.current === mine && setPreview({ key: requestKey, data }),
        (e) => latest.current === mine && setPreview({ key: requestKey, error: message(e) }),
      );
    }, 450);
    return () => clearTimeout(t);
  }, [api, request, requestKey, nonce]);

  const failed = (e: StudioError, overwrite: boolean) => {
    setJob(undefined);
    if (!overwrite && e.code === 'exists') setConfirm(preview?.data?.artifacts.flatMap((a) => a.existing) ?? (e.file ? [e.file] : []));
    else setRunError(message(e));
  };

  // The export is a queued job: follow its progress; once it ended, fetch its result (or its error).
  useEvent('job.progress', (p) => {
    if (p.kind !== 'export' || !job || p.jobId !== job.id) return;
    if (p.state === undefined || p.state === 'running') return setJob({ ...job, progress: p, queued: undefined });
    const { id, overwrite } = job;
    api.call('export.result', { jobId: id }).then(
      (r) => {
        setResult(r);
        setJob(undefined);
        refresh();
        setNonce((n) => n + 1);
      },
      (e: StudioError) => failed(e, overwrite),
    );
  });

  const save = (overwrite: boolean) => {
    if (!request) return;
    // Ask first when the preview already knows of files in the way; the job checks again anyway.
    const known = preview?.key === requestKey ? (preview.data?.artifacts.flatMap((a) => a.existing) ?? []) : [];
    if (!overwrite && known.length) {
      setConfirm(known);
      return;
    }
    const id = `export-${Date.now().toString(36)}`;
    setConfirm(undefined);
    setRunError(undefined);
    setResult(undefined);
    setJob({ id, overwrite });
    api.call('export.run', { ...request, overwrite, jobId: id } satisfies CallInput<'export.run'>).then(
      (j) =>
        j.state === 'queued' &&
        setJob((cur) =>
          cur?.id === id && !cur.progress ? { ...cur, queued: `Queued (position ${j.position ?? 1}): another job is running` } : cur,
        ),
      (e: StudioError) => failed(e, overwrite),
    );
  };

  const pick = () =>
    api.call('export.pickFolder', {}).then(
      (r) => r.path && setOutDir(r.path),
      (e) => setRunError(message(e)),
    );

  const busy = job !== undefined;
  const p = preview?.key === requestKey ? preview : undefined;
  const exportsOfRun = list?.exports.filter((e) => e.runId === runId) ?? [];

  if (list && !list.runs.some((r) => r.exportable)) {
    return (
      <EmptyState icon="⇪" title="Nothing to export yet">
        <p>Export a pruned model as ONNX or TensorFlow.js layers, optionally quantized, and check it against the original.</p>
        <p>Train a run in the Train view first (press 2), then sweep it (press 3) to choose a sparsity level.</p>
      </EmptyState>
    );
  }

  return (
    <div className="export-page settings-layout themed-controls">
      <section className="box" aria-labelledby="export-settings-title">
        <h3 id="export-settings-title" className="box__title">
          What to export
        </h3>
        {listError && (
          <p className="export-error" role="alert">
            {listError}
          </p>
        )}
        <form
          className="form-stack"
          onSubmit={(e) => {
            e.preventDefault();
            save(false);
          }}
        >
          <label>
            Run
            <select value={runId} onChange={(e) => setRunId(e.target.value)} aria-label="Run to export">
              {list?.runs.map((r) => (
                <option key={r.id} value={r.id} disabled={!r.exportable}>
                  {r.name} · {methodLabel(r.method, r.varLambda)} · {r.status}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sparsity level (%)
            <input
              value={levelText}
              onChange={(e) => setLevelText(e.target.value)}
              inputMode="decimal"
              aria-invalid={typeof level === 'string'}
              aria-describedby="export-level-help"
              aria-label="Sparsity level in percent"
            />
          </label>
          {run && run.sweepLevels.length > 0 && (
            <div className="export-levels" role="group" aria-label="Levels of the run's sweep">
              {run.sweepLevels.map((l) => (
                <button
                  type="button"
                  key={l.sparsity}
                  className={level === l.sparsity ? 'export-chip export-chip--on' : 'export-chip'}
                  onClick={() => setLevelText(String(Math.round(l.sparsity * 1000) / 10))}
                  title="Mean per-case Dice of this level in the run's sweep"
                >
                  {percent(l.sparsity, { trim: true })}{' '}
                  <span className="export-muted">per-case Dice {l.dice === null ? '–' : l.dice.toFixed(3)}</span>
                </button>
              ))}
            </div>
          )}
          <span id="export-level-help" className={typeof level === 'string' ? 'export-error' : 'export-muted'}>
            {typeof level === 'string'
              ? level
              : run?.sweepLevels.length
                ? 'Pick a level from the sweep or type any.'
                : 'No sweep for this run yet: type any level.'}
          </span>
          <label>
            Family
            <select value={family} onChange={(e) => setFamily(e.target.value as 'unstructured' | 'channel')} aria-label="Pruning family">
              <option value="unstructured">unstructured (weights set to zero, same network)</option>
              <option value="channel">channel (whole channels removed, smaller network)</option>
            </select>
          </label>
          <label>
            Pruning
            <select
              value={scope}
              disabled={family === 'channel'}
              onChange={(e) => setScope(e.target.value as 'global' | 'layerwise')}
              aria-label="Pruning scope"
            >
              <option value="global">global magnitude</option>
              <option value="layerwise">layer-wise magnitude</option>
            </select>
          </label>
          <label className="form-stack__check">
            <input
              type="checkbox"
              checked={keepFirstLast && family === 'unstructured'}
              disabled={family === 'channel'}
              onChange={(e) => setKeepFirstLast(e.target.checked)}
            />{' '}
            Keep first and last layers dense
          </label>
          <label className="form-stack__check">
            <input type="checkbox" checked={reestimate} onChange={(e) => setReestimate(e.target.checked)} /> Re-estimate BatchNorm after
            pruning
          </label>
          <fieldset>
            <legend>Format</legend>
            {FORMATS.map((f) => (
              <label key={f.id} className="form-stack__check">
                <input type="checkbox" checked={formats.includes(f.id)} onChange={() => setFormats(toggle(formats, f.id))} /> {f.label}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Weight precision</legend>
            {WEIGHTS.map((w) => (
              <label key={w.id} className="form-stack__check">
                <input type="checkbox" checked={weights.includes(w.id)} onChange={() => setWeights(toggle(weights, w.id))} /> {w.label}
              </label>
            ))}
          </fieldset>
          <label>
            Output folder
            <span className="form-stack__row">
              <input
                value={outDir}
                onChange={(e) => setOutDir(e.target.value)}
                placeholder={run ? `${run.exportsDir}/<level>-<format>-<weights>` : 'default: the run’s exports folder'}
                aria-label="Output folder (empty: the run's exports folder)"
                spellCheck={false}
              />
              {api.shell === 'electron' && (
                <button type="button" onClick={pick}>
                  Choose…
                </button>
              )}
            </span>
          </label>
          {invalid && level !== invalid && <p className="export-error">{invalid}</p>}
          <div className="form-stack__actions">
            <button type="submit" className="themed-controls__primary" disabled={!!invalid || busy}>
              Save export
            </button>
            {busy && (
              <button type="button" onClick={() => api.call('jobs.cancel', { jobId: job.id })}>
                Cancel
              </button>
            )}
          </div>
          {busy && (
            <div className="job-progress" role="status" aria-live="polite">
              <progress max={1} value={job.progress?.fraction ?? 0} aria-label="Export progress" />
              <span>{job.progress?.message ?? job.queued ?? 'Starting…'}</span>
              {job.progress?.etaSeconds !== undefined && <span className="export-muted">{formatEta(job.progress.etaSeconds)}</span>}
            </div>
          )}
          {runError && (
            <p className="export-error" role="alert">
              {runError}
            </p>
          )}
        </form>
        {exportsOfRun.length > 0 && (
          <div className="export-history">
            <h4>Previous exports of this run</h4>
            <ul>
              {exportsOfRun.slice(0, 8).map((e) => (
                <li key={e.dir} className={e.present ? undefined : 'export-muted'} title={e.dir}>
                  {percent(e.sparsity, { trim: true })}
                  {e.family === 'channel' ? ' channel' : ''} {e.format} {e.weights} · per-case Dice{' '}
                  {e.dice === null ? '–' : e.dice.toFixed(3)} (
                  {e.deltaDice === null ? '–' : `${e.deltaDice >= 0 ? '+' : '−'}${Math.abs(e.deltaDice).toFixed(3)}`}) ·{' '}
                  {new Date(e.createdAt).toLocaleString()}
                  {!e.present && ' · files removed'}
                </li>
              ))}
              {exportsOfRun.length > 8 && <li className="export-muted">and {exportsOfRun.length - 8} older</li>}
            </ul>
          </div>
        )}
      </section>

      <div className="export-results">
        {result ? (
          <>
            <p className="export-done" role="status">
              Saved {result.artifacts.length} export{result.artifacts.length === 1 ? '' : 's'} at{' '}
              {percent(result.prune.achieved, { trim: true })}{' '}
              {result.prune.family === 'channel' ? 'of the conv weights removed (channel pruning)' : 'sparsity'} in{' '}
              {result.seconds.toFixed(1)} s. Per-case Dice on the {result.evaluatedOn} split: dense{' '}
              {result.dense.caseDice.mean?.toFixed(4) ?? '–'}, pruned float32 {result.pruned.caseDice.mean?.toFixed(4) ?? '–'}.
            </p>
            <SizeReport
              measured
              rows={result.artifacts.map((a) => ({ format: a.format, weights: a.weights, dir: a.dir, size: a.size, check: a.check }))}
            />
            <ul className="export-files" aria-label="Saved folders">
              {result.artifacts.map((a) => (
                <li key={a.dir}>
                  <code>{a.dir}</code>
                </li>
              ))}
            </ul>
            {result.artifacts[0] && <ModelCardPreview title="Model card" markdown={result.artifacts[0].card.text} />}
          </>
        ) : p?.data ? (
          <>
            {p.data.artifacts.some((a) => a.existing.length) && (
              <p className="export-warning" role="note">
                {p.data.artifacts.flatMap((a) => a.existing).length} file(s) already exist in the output folder; saving will ask before
                replacing them.
              </p>
            )}
            <SizeReport measured={false} rows={p.data.artifacts} />
            <ModelCardPreview title="Model card preview" markdown={p.data.markdown} />
          </>
        ) : p?.error ? (
          <p className="export-error" role="alert">
            {p.error}
          </p>
        ) : request ? (
          <p className="export-muted" role="status">
            Measuring the export…
          </p>
        ) : (
          <p className="export-muted">Choose a run, a level, a format and a weight precision.</p>
        )}
      </div>

      {confirm && (
        <ConfirmDialog
          title="Replace the existing export?"
          confirmLabel="Overwrite"
          onConfirm={() => save(true)}
          onCancel={() => setConfirm(undefined)}
        >
          <p>These files already exist and would be replaced:</p>
          <ul className="export-files">
            {confirm.slice(0, 8).map((f) => (
              <li key={f}>
                <code>{f}</code>
              </li>
            ))}
            {confirm.length > 8 && <li>and {confirm.length - 8} more</li>}
          </ul>
        </ConfirmDialog>
      )}
    </div>
  );
}
