/**
 * The one answer to "what is this run doing now", for the runs table and the live panel alike:
 * from the run's job of this session, its latest progress event and its stored record.
 */
import type { Job } from '../../../shared/api/schemas/jobs';
import type { RunSummary, TrainingProgressEvent } from '../../../shared/api/schemas/training';

export type LiveState = 'queued' | 'starting' | 'running' | 'flatness' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

export interface LiveStatus {
  state: LiveState;
  /** What the badge says: "training 31%", "queued #2", "completed". */
  label: string;
  /** 0..1 */
  fraction: number;
  /** Queued or running: it can be cancelled. */
  active: boolean;
}

export interface StatusInput {
  job?: Job;
  progress?: TrainingProgressEvent;
  /** The stored run, when it has a directory already. */
  run?: Pick<RunSummary, 'status' | 'interrupted' | 'epochsDone' | 'epochs'>;
}

export function liveStatus({ job, progress, run }: StatusInput): LiveStatus {
  const stored = run ? run.epochsDone / Math.max(1, run.epochs) : 0;
  if (job?.state === 'queued') return { state: 'queued', label: job.position ? `queued #${job.position}` : 'queued', fraction: stored, active: true };
  if (job?.state === 'running' && job.kind === 'flatness') return { state: 'flatness', label: 'flatness…', fraction: stored, active: true };
  if (job?.state === 'running') {
    const fraction = progress?.fraction ?? job.fraction;
    if (!progress && fraction === 0) return { state: 'starting', label: 'starting', fraction: stored, active: true };
    return { state: 'running', label: `training ${Math.round(fraction * 100)}%`, fraction, active: true };
  }
  if (job && job.kind !== 'flatness') return { state: job.state, label: job.state, fraction: job.state === 'completed' ? 1 : stored, active: false };
  if (!run) return { state: 'starting', label: 'starting', fraction: 0, active: false };
  if (run.interrupted) return { state: 'interrupted', label: 'interrupted', fraction: stored, active: false };
  return { state: run.status === 'running' ? 'running' : run.status, label: run.status, fraction: run.status === 'completed' ? 1 : stored, active: false };
}
