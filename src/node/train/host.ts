import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { StudioError } from '../../shared/errors';
import { parseRunConfig, type RunConfigInput } from '../../shared/run/config';
import type { TrainEpochEvent, TrainProgress } from '../../shared/run/events';
import type { RunRecord } from '../../shared/run/record';
import { defaultRunsRoot, newRunId, RunStore } from '../runs/store';
import { startWorker } from '../workers';
import type { FromTrainWorker, ToTrainWorker, TrainWorkerData } from './protocol';

export interface TrainHostOptions {
  runsRoot?: string;
  onProgress?: (p: TrainProgress) => void;
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
  /** Hard stop of the thread (as a crash would): the run is marked failed, its checkpoint kept. */
  terminate(): Promise<void>;
}

/** Starts a new run in a worker thread. */
export function startTraining(config: RunConfigInput, opts: TrainHostOptions = {}): TrainingHandle {
  const parsed = parseRunConfig(config);
  const runsRoot = path.resolve(opts.runsRoot ?? defaultRunsRoot());
  const runId = newRunId(parsed.name);
  return host({ kind: 'new', runsRoot, runId, config: parsed }, opts);
}

/** Resumes a cancelled or failed run from its last checkpoint in a worker thread. */
export function resumeTraining(runId: string, opts: TrainHostOptions = {}): TrainingHandle {
  const runsRoot = path.resolve(opts.runsRoot ?? defaultRunsRoot());
  new RunStore(runsRoot).paths(runId); // validates the id before a thread is spent on it
  return host({ kind: 'resume', runsRoot, runId }, opts);
}

function host(data: TrainWorkerData, opts: TrainHostOptions): TrainingHandle {
  const store = new RunStore(data.runsRoot);
  const worker: Worker = startWorker('train', data, { name: `train-${data.runId}` });
  let final: RunRecord | undefined;
  let startError: StudioError | undefined;
  let terminatedByHost = false;

  const done = new Promise<RunRecord>((resolve, reject) => {
    let crash: Error | undefined;
    worker.on('message', (m: FromTrainWorker) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'epoch') opts.onEpoch?.(m.event);
      else if (m.type === 'done') final = m.record;
      else if (m.type === 'error') startError = new StudioError(m.error);
    });
    worker.on('error', (e) => {
      crash = e;
    });
    worker.on('exit', (code) => {
      if (final) return resolve(final);
      if (startError) return reject(startError);
      const why = terminatedByHost
        ? 'The training thread was stopped'
        : `The training thread crashed${crash ? `: ${crash.message}` : ` (exit code ${code})`}`;
      markFailed(store, data.runId, why).then(resolve, () =>
        reject(new StudioError({ code: 'internal', what: why, hint: 'Check the run config and try again' })),
      );
    });
  });

  return {
    runId: data.runId,
    done,
    cancel: () => {
      const m: ToTrainWorker = { type: 'cancel' };
      worker.postMessage(m);
    },
    terminate: async () => {
      terminatedByHost = true;
      await worker.terminate();
      await done.catch(() => undefined);
    },
  };
}

/** A run whose thread died without a final record: failed, with the reason; checkpoint untouched. */
async function markFailed(store: RunStore, runId: string, what: string): Promise<RunRecord> {
  return store.update(runId, (r) => {
    r.status = 'failed';
    r.error = { code: 'internal', what, hint: 'Resume the run: it continues from the last finished epoch' };
    r.timings.finishedAt = new Date().toISOString();
  });
}
