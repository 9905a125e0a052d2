import type { TrainingProgressEvent } from '../../../shared/api/schemas/training';
import { backendLabel } from '../../../shared/backend';
import { formatEta } from '../../../shared/format/time';
import type { LiveStatus } from '../runs/status';
import type { LiveRun } from './useLiveRun';

/**
 * State, progress bar with ETA, and the latest step numbers of the run on screen. `status` and
 * `progress` come from the runs model, the same source as the runs table's badge.
 */
export function ProgressPanel({
  run,
  status,
  progress,
  onCancel,
}: {
  run: LiveRun;
  status: LiveStatus;
  progress?: TrainingProgressEvent;
  onCancel(): void;
}) {
  const state = status.state;
  const p = progress;
  const done = state === 'completed';
  const pct = Math.round(status.fraction * 100);
  const active = status.active;
  const error = run.job?.error ?? run.record?.error;
  return (
    <div className="progress-panel" data-state={state} data-run={run.runId}>
      <div className="progress-panel__head">
        <h3 className="progress-panel__name">{run.name}</h3>
        <span className={`run-badge run-badge--${state}`} data-testid="live-status">
          {status.label}
        </span>
        {run.record && <span className="progress-panel__meta">backend {backendLabel(run.record.backend)}</span>}
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
