import { plural } from '../../../shared/format/plural';
import { useState } from 'react';
import type { CallInput, JobProgress } from '../../../shared/api/contract';
import { DEFAULT_LEVELS, SWEEP_MEASURE_LABELS, sweepMeasures, type PruneFamily, type SweepMeasure } from '../../../shared/sweep/config';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { formatEta } from '../../../shared/format/time';
import { familyLabel, pct, type SweepableRun } from './model';

type StartConfig = NonNullable<CallInput<'sweep.start'>['config']>;

/** Levels typed as percentages ("0, 50, 90") -> fractions, or an error message. */
export function parseLevels(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return 'Enter at least one level';
  const out: number[] = [];
  for (const p of parts) {
    const v = Number(p.replace('%', ''));
    if (!Number.isFinite(v) || v < 0 || v > 100) return `"${p}" is not a percentage between 0 and 100`;
    out.push(v / 100);
  }
  if (out.length > 32) return 'At most 32 levels';
  return [...new Set(out)].sort((a, b) => a - b);
}

interface Props {
  runs: SweepableRun[];
  selected: string[];
  onToggle: (runId: string) => void;
  chosen: (run: SweepableRun) => string | undefined;
  onChoose: (runId: string, sweepId: string) => void;
  job: JobProgress | undefined;
  onStart: (config: StartConfig) => void;
  onCancel: () => void;
  startError?: string;
}

export function StartPanel({ runs, selected, onToggle, chosen, onChoose, job, onStart, onCancel, startError }: Props) {
  const [levelsText, setLevelsText] = useState(DEFAULT_LEVELS.map((l) => String(Math.round(l * 1000) / 10)).join(', '));
  const [family, setFamily] = useState<PruneFamily>('unstructured');
  const [scope, setScope] = useState<'global' | 'layerwise'>('global');
  const [keepFirstLast, setKeepFirstLast] = useState(false);
  const [bn, setBn] = useState(false);
  const [scorer, setScorer] = useState<'onnx' | 'tfjs'>('onnx');
  const [split, setSplit] = useState<'val' | 'test'>('val');
  // The view draws Dice against measured latency: measure it unless asked not to (the config's default is size only).
  const [measure, setMeasure] = useState<SweepMeasure>('latency');
  const levels = parseLevels(levelsText);
  const running = job !== undefined && (job.state === undefined || job.state === 'running');
  const channel = family === 'channel';
  // A channel level removes a fraction of the conv weights; all of them cannot go.
  const levelError =
    typeof levels === 'string' ? levels : channel && levels.some((l) => l >= 1) ? 'Channel levels must be below 100 %' : undefined;
  const canStart = !running && selected.length > 0 && levelError === undefined;

  return (
    <section className="sweep-panel box" aria-labelledby="sweep-runs-title">
      <h3 id="sweep-runs-title" className="box__title">
        Runs
      </h3>
      <ul className="sweep-runs">
        {runs.map((r) => {
          const on = selected.includes(r.runId);
          return (
            <li key={r.runId} className={on ? 'sweep-runs__item sweep-runs__item--on' : 'sweep-runs__item'}>
              <label>
                <input type="checkbox" checked={on} onChange={() => onToggle(r.runId)} aria-label={`Include run ${r.name}`} />
                <span className="sweep-runs__name">{r.name}</span>
                <span className="sweep-muted">
                  {methodLabel(r.method, r.varLambda)} · seed {r.seed} · {r.inputSize}px
                </span>
              </label>
              {r.sweeps.length > 0 && (
                <select
                  value={chosen(r) ?? ''}
                  onChange={(e) => onChoose(r.runId, e.target.value)}
                  aria-label={`Sweep shown for ${r.name}`}
                >
                  {r.sweeps.map((s) => (
                    // Short enough for the side panel: the status only when it is not the usual one.
                    <option key={s.sweepId} value={s.sweepId} title={`${new Date(s.createdAt).toLocaleString()} · ${s.status}`}>
                      {new Date(s.createdAt).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })} ·{' '}
                      {familyLabel(s.family)} · {plural(s.levels.length, 'level')} · {s.scorer}
                      {s.status === 'completed' ? '' : ` · ${s.status}`}
                    </option>
                  ))}
                </select>
              )}
            </li>
          );
        })}
      </ul>

      <form
        className="sweep-form form-stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (canStart && typeof levels !== 'string')
            onStart({
              family,
              levels,
              scope,
              keepFirstLast: !channel && keepFirstLast,
              scorer,
              split,
              measure,
              bnReestimate: bn ? { batches: 4, batchSize: 8 } : null,
            });
        }}
      >
        <label>
          Family
          <select value={family} onChange={(e) => setFamily(e.target.value as PruneFamily)} aria-describedby="sweep-family-msg">
            <option value="unstructured">Unstructured (weights set to zero)</option>
            <option value="channel">Channel (whole channels removed)</option>
          </select>
        </label>
        <span id="sweep-family-msg" className="sweep-muted">
          {channel
            ? 'Level = share of the conv weights removed with their channels; the network is rebuilt smaller.'
            : 'Level = share of the conv weights set to zero; the file keeps its size.'}
        </span>
        <label className="sweep-form__levels">
          Levels (%)
          <input
            value={levelsText}
            onChange={(e) => setLevelsText(e.target.value)}
            aria-invalid={levelError !== undefined}
            aria-describedby="sweep-levels-msg"
          />
        </label>
        <span id="sweep-levels-msg" className={levelError ? 'sweep-error' : 'sweep-muted'}>
          {levelError ?? (typeof levels === 'string' ? '' : plural(levels.length, 'level'))}
        </span>
        <label>
          Scope
          <select value={scope} disabled={channel} onChange={(e) => setScope(e.target.value as 'global' | 'layerwise')}>
            <option value="global">Global magnitude</option>
            <option value="layerwise">Layer-wise</option>
          </select>
        </label>
        <label>
          Score with
          <select value={scorer} onChange={(e) => setScorer(e.target.value as 'onnx' | 'tfjs')}>
            <option value="onnx">ONNX Runtime (proves the export)</option>
            <option value="tfjs">TensorFlow.js</option>
          </select>
        </label>
        <label>
          Split
          <select value={split} onChange={(e) => setSplit(e.target.value as 'val' | 'test')}>
            <option value="val">Validation</option>
            <option value="test">Test</option>
          </select>
        </label>
        <label>
          Measure
          <select
            value={measure}
            onChange={(e) => setMeasure(e.target.value as SweepMeasure)}
            title="Per level: the fp32 ONNX file as the export writes it (bytes, gzip); latency in onnxruntime-node, 20 rounds interleaved with the dense model"
          >
            {sweepMeasures.map((m) => (
              <option key={m} value={m}>
                {SWEEP_MEASURE_LABELS[m]}
              </option>
            ))}
          </select>
        </label>
        <label className="form-stack__check">
          <input
            type="checkbox"
            checked={keepFirstLast && !channel}
            disabled={channel}
            onChange={(e) => setKeepFirstLast(e.target.checked)}
          />
          Keep first and last layer dense
        </label>
        <label className="form-stack__check">
          <input type="checkbox" checked={bn} onChange={(e) => setBn(e.target.checked)} />
          Re-estimate BatchNorm (32 training slices)
        </label>
        <div className="form-stack__actions">
          <button type="submit" className="themed-controls__primary" disabled={!canStart}>
            Start sweep{selected.length > 1 ? ` (${plural(selected.length, 'run')})` : ''}
          </button>
          {running && (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
      {startError && (
        <p className="sweep-error" role="alert">
          {startError}
        </p>
      )}
      {job && (
        <div className="sweep-progress job-progress" role="status" aria-live="polite">
          <progress max={1} value={job.fraction} aria-label="Sweep progress" />
          <span>
            {pct(job.fraction, 0)} {running ? formatEta(job.etaSeconds) : job.state === 'done' ? 'done' : job.state}
          </span>
          {job.message && <span className="sweep-muted sweep-progress__msg">{job.message}</span>}
        </div>
      )}
    </section>
  );
}
