import * as path from 'node:path';
import type { IProgress } from '../../shared/progress';
import { parseRunConfig, type RunConfigInput } from '../../shared/run/config';
import type { TrainEpochEvent, TrainProgress } from '../../shared/run/events';
import type { RunRecord } from '../../shared/run/record';
import { defaultRunsRoot, newRunId, RunStore } from '../runs/store';
import { startJobProcess } from '../jobs/host';
import type { TrainResult, TrainUpdate, TrainWorkerData } from './protocol';

export interface TrainHostOptions {
  runsRoot?: string;
  progress?: IProgress<TrainProgress>;
  onEpoch?: (e: TrainEpochEvent) => void;
}

export interface TrainingHandle {
  runId: string;
  /**
   * The final record: status completed, cancelled or failed (with `error`). Rejects only when
   * the run could not be created at all (invalid config, no backend).
   */
  done: Promise<RunRecord>;
  /** Graceful: stops between steps; the run ends 'cancelled' with its last checkpoint kept. */
  cancel(): void;
  /** Hard stop of the process (as a crash would): the run is marked failed, its checkpoint kept. */
  terminate(): Promise<void>;
}

/** Starts a new run in a child process. */
export function startTraining(config: RunConfigInput, opts: TrainHostOptions = {}): TrainingHandle {
  const parsed = parseRunConfig(config);
  const runsRoot = path.resolve(opts.runsRoot ?? defaultRunsRoot());
  const runId = newRunId(parsed.name);
  return host({ kind: 'new', runsRoot, runId, config: parsed }, opts);
}

/** Resumes a cancelled or failed run from its last checkpoint in a child process. */
export function resumeTraining(runId: string, opts: TrainHostOptions = {}): TrainingHandle {
  const runsRoot = path.resolve(opts.runsRoot ?? defaultRunsRoot());
  new RunStore(runsRoot).paths(runId); // validates the id before a process is spent on it
  return host({ kind: 'resume', runsRoot, runId }, opts);
}

function host(data: TrainWorkerData, opts: TrainHostOptions): TrainingHandle {
  const store = new RunStore(data.runsRoot);
  const job = startJobProcess<TrainWorkerData, TrainUpdate, TrainResult>({
    worker: 'train',
    data,
    label: 'training',
    crashHint: 'Check the run config and try again',
    progress: {
      report: (u) => {
        if (u.type === 'step') opts.progress?.report(u.progress);
        else opts.onEpoch?.(u.event);
      },
    },
    // The record still says running: mark it failed with the reason; the checkpoint stays.
    recover: (error) => markFailed(store, data.runId, error.what),
  });
  return { runId: data.runId, done: job.done, cancel: job.cancel, terminate: job.terminate };
}

/** A run whose process died without a final record: failed, with the reason; checkpoint untouched. */
async function markFailed(store: RunStore, runId: string, what: string): Promise<RunRecord> {
  return store.update(runId, (r) => {
    r.status = 'failed';
    r.error = { code: 'internal', what, hint: 'Resume the run: it continues from the last finished epoch' };
    r.timings.finishedAt = new Date().toISOString();
  });
}
