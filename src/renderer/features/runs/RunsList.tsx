/**
 * Every run of the run store with its status, backend and last metrics: reopen one, pick two to
 * compare, resume, run the flatness diagnostic, cancel or delete (after a confirmation).
 */
import { useState } from 'react';
import type { Job } from '../../../shared/api/schemas/jobs';
import type { RunSummary, TrainingProgressEvent } from '../../../shared/api/schemas/training';
import { liveStatus } from './status';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { EmptyState } from '../../components/EmptyState';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { MAX_COMPARE } from './useRuns';
import { percent } from '../../../shared/format/percent';

export interface RunsListProps {
  runs: RunSummary[] | null;
  jobs: Job[];
  progress: Record<string, TrainingProgressEvent>;
  problems: string[];
  compare: string[];
  openRunId?: string;
  onOpen(run: RunSummary): void;
  onToggleCompare(id: string): void;
  onResume(id: string): void;
  onFlatness(id: string): void;
  onCancel(jobId: string): void;
  onDelete(id: string): Promise<boolean>;
}


const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '–' : v.toFixed(digits));

export function RunsList(props: RunsListProps) {
  const { runs, jobs, problems, compare } = props;
  const [confirm, setConfirm] = useState<RunSummary | null>(null);
  const jobOf = new Map(jobs.filter((j) => j.runId).map((j) => [j.runId!, j]));
  const known = new Set(runs?.map((r) => r.id));
  // New runs waiting in the queue (or starting) have no directory yet.
  const pending = jobs.filter((j) => !j.runId || !known.has(j.runId));

  if (runs === null) return <p className="muted">Loading runs…</p>;
  if (runs.length === 0 && pending.length === 0) {
    return (
      <EmptyState icon="◭" title="No training run yet">
        <p>Start a run with the form above: the built-in phantoms train in a few minutes on a CPU. Runs are kept on disk and listed here after a restart.</p>
      </EmptyState>
    );
  }

  return (
    <div className="runs-list">
      <table aria-label="Training runs">
        <thead>
          <tr>
            <th scope="col">Compare</th>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Method</th>
            <th scope="col">Model</th>
            <th scope="col">Backend</th>
            <th scope="col">Epochs</th>
            <th scope="col" title="Validation per-case Dice of the dense model">Val per-case Dice</th>
            <th scope="col">|w| &lt; 1e-3</th>
            <th scope="col" title="Largest eigenvalue of the loss Hessian at the trained weights (sharpness); lower = flatter">
              λmax
            </th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {pending.map((j) => (
            <tr key={j.jobId} data-job={j.jobId} data-status={liveStatus({ job: j, progress: props.progress[j.jobId] }).state}>
              <td />
              <td className="runs-list__name">{j.name}</td>
              <td>
                <span className={`run-badge run-badge--${liveStatus({ job: j, progress: props.progress[j.jobId] }).state}`}>{liveStatus({ job: j, progress: props.progress[j.jobId] }).label}</span>
              </td>
              <td colSpan={7} className="muted">
                {j.state === 'queued' ? 'Waits for the running job: one job at a time on this machine' : 'Loading data and building the model…'}
              </td>
              <td>
                <button type="button" className="tool-button" aria-label={`Cancel ${j.name}`} onClick={() => props.onCancel(j.jobId)}>
                  Cancel
                </button>
              </td>
            </tr>
          ))}
          {runs.map((r) => {
            const job = jobOf.get(r.id);
            const badge = liveStatus({ job, progress: job ? props.progress[job.jobId] : undefined, run: r });
            const resumable = !job && r.started && (r.status === 'cancelled' || r.status === 'failed' || r.interrupted);
            const canFlat = !job && r.status !== 'running' && r.epochsDone > 0;
            return (
              <tr key={r.id} data-run={r.id} data-status={badge.state} aria-current={props.openRunId === r.id ? 'true' : undefined}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${r.name}`}
                    checked={compare.includes(r.id)}
                    disabled={r.epochsDone === 0}
                    onChange={() => props.onToggleCompare(r.id)}
                  />
                </td>
                <td className="runs-list__name" title={`${r.id}\n${r.dataLabel}\ncreated ${new Date(r.createdAt).toLocaleString()}`}>
                  {r.name}
                </td>
                <td>
                  <span className={`run-badge run-badge--${badge.state}`} title={r.error ? `${r.error.what}. ${r.error.hint}` : undefined}>
                    {badge.label}
                  </span>
                </td>
                <td>{methodLabel(r.method, r.varLambda)}</td>
                <td>
                  {r.preset} @{r.inputSize}px
                </td>
                <td title={r.backendDetail}>{r.backend}</td>
                <td>
                  {r.epochsDone}/{r.epochs}
                </td>
                <td>
                  {fmt(r.lastValCaseDice)}
                  {r.trainingVerdict === 'failed' && (
                    <span className="failed-training" title="No better than predicting no lesion: left out of every comparison"> failed training</span>
                  )}
                </td>
                <td>{r.fracBelow1e3 === null ? '–' : percent(r.fracBelow1e3, { compact: true })}</td>
                <td>{r.hessianTopEigenvalue === undefined ? '–' : r.hessianTopEigenvalue.toPrecision(3)}</td>
                <td className="runs-list__actions">
                  <button type="button" className="tool-button" aria-label={`Open ${r.name}`} onClick={() => props.onOpen(r)}>
                    Open
                  </button>
                  {resumable && (
                    <button type="button" className="tool-button" aria-label={`Resume ${r.name}`} onClick={() => props.onResume(r.id)}>
                      Resume
                    </button>
                  )}
                  {canFlat && (
                    <button
                      type="button"
                      className="tool-button"
                      aria-label={`Compute flatness of ${r.name}`}
                      title="Top Hessian eigenvalue of the loss by power iteration (runs as a job)"
                      onClick={() => props.onFlatness(r.id)}
                    >
                      Flatness
                    </button>
                  )}
                  {job && (
                    <button type="button" className="tool-button" aria-label={`Cancel ${job.kind === 'flatness' ? 'flatness of ' : ''}${r.name}`} onClick={() => props.onCancel(job.jobId)}>
                      Cancel
                    </button>
                  )}
                  <button
                    type="button"
                    className="tool-button tool-button--danger"
                    aria-label={`Delete ${r.name}`}
                    disabled={!!job}
                    title={job ? 'Cancel its job first' : undefined}
                    onClick={() => setConfirm(r)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted runs-list__help">Tick {MAX_COMPARE} runs to overlay their weight histograms (e.g. SGD against SGD + VAR).</p>
      <dl className="runs-list__glossary" aria-label="What the columns mean">
        <dt>Flatness</dt>
        <dd>Runs a diagnostic job that measures how sharp the minimum the run ended in is (power iteration on the loss Hessian, a few minutes on a CPU).</dd>
        <dt>λmax</dt>
        <dd>Its result: the largest eigenvalue of the loss Hessian. Lower means a flatter minimum, whose loss changes less when weights are pruned.</dd>
        <dt>|w| &lt; 1e-3</dt>
        <dd>Share of the weights that are already near zero: magnitude pruning removes them first at no cost.</dd>
      </dl>
      {problems.length > 0 && (
        <details className="runs-list__problems">
          <summary>{problems.length} run folder(s) could not be read</summary>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </details>
      )}
      {confirm && (
        <ConfirmDialog
          title={`Delete run "${confirm.name}"?`}
          confirmLabel="Delete run"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            const id = confirm.id;
            setConfirm(null);
            void props.onDelete(id);
          }}
        >
          <p>
            Its checkpoint, final weights, metrics and sweeps are removed from disk (<code>{confirm.id}</code>). This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
