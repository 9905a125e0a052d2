import { formatEta } from '../../components/format';
import type { LiveRun } from './useLiveRun';

const STATE_TEXT: Record<string, string> = {
  queued: 'Queued',
  running: 'Training',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

/** State, progress bar with ETA, and the latest step numbers of the run on screen. */
export function ProgressPanel({ run, onCancel }: { run: LiveRun; onCancel(): void }) {
  const state = run.job?.state ?? run.record?.status ?? 'running';
  const p = run.progress;
  const done = state === 'completed';
  const fraction = done ? 1 : (p?.fraction ?? (run.record ? run.epochs.length / run.totalEpochs : 0));
  const pct = Math.round(fraction * 100);
  const active = state === 'queued' || state === 'running';
  const error = run.job?.error ?? run.record?.error;
  return (
    <div className="progress-panel" data-state={state}>
      <div className="progress-panel__head">
        <h3 className="progress-panel__name">{run.name}</h3>
        <span className={`run-badge run-badge--${state}`}>{STATE_TEXT[state] ?? state}</span>
        {state === 'queued' && run.job?.position && <span className="progress-panel__meta">position {run.job.position} in the queue</span>}
        {run.record && <span className="progress-panel__meta">backend {run.record.backend.name}</span>}
        {active && run.jobId && (
          <button type="button" className="action-button" onClick={onCancel} aria-label={`Cancel training of ${run.name}`}>
            Cancel
          </button>
        )}
      </div>
      <div className="progress-panel__bar">
        <progress max={100} value={pct} aria-label="Training progress" aria-valuetext={`${pct}%`} />
        <span className="progress-panel__pct">{pct}%</span>
        <span className="progress-panel__eta" aria-live="polite">
          {active && p ? formatEta(p.etaSeconds) : done ? 'done' : ''}
        </span>
      </div>
      {p && (
        <dl className="progress-panel__stats">
          <dt>Epoch</dt>
          <dd>
            {Math.min(p.epoch + 1, run.totalEpochs)} / {run.totalEpochs}
          </dd>
          <dt>Step</dt>
          <dd>
            {p.step} / {p.totalSteps}
          </dd>
          <dt>Loss</dt>
          <dd>{p.loss.toFixed(4)}</dd>
          <dt>LR</dt>
          <dd>{p.lr.toExponential(2)}</dd>
          <dt>Images/s</dt>
          <dd>{p.imagesPerSec.toFixed(1)}</dd>
        </dl>
      )}
      {error && state !== 'completed' && (
        <p className="progress-panel__error" role="alert">
          {error.what}. {error.hint}
        </p>
      )}
    </div>
  );
}
