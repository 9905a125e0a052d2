import * as path from 'node:path';
import { StudioError, type StudioErrorInfo } from '../../shared/errors';
import { parseSweepConfig, type SweepConfigInput } from '../../shared/sweep/config';
import type { BackendPreference } from '../compute/backend';
import { defaultRunsRoot, RunStore } from '../runs/store';
import { startWorkerProcess } from '../workers';
import { markSweepFailed, newSweepId } from './files';
import type { FromSweepWorker, SweepOutcome, SweepProgress, SweepWorkerData, ToSweepWorker } from './protocol';

export interface SweepHostOptions {
  runsRoot?: string;
  backend?: BackendPreference;
  onnxThreads?: number;
  onProgress?: (p: SweepProgress) => void;
}

export interface SweepHandle {
  sweepId: string;
  runIds: string[];
  /** Always resolves: completed, cancelled, or failed with `error` (also when the process dies). */
  done: Promise<SweepOutcome>;
  /** Graceful: stops between batches; finished levels are kept, the records say cancelled. */
  cancel(): void;
  /** Hard stop of the process (as a crash would): the sweep is marked failed. */
  terminate(): Promise<void>;
}

/** Starts one sweep over `runIds` in a child process (onnxruntime runs there). Throws only for invalid input. */
export function startSweep(runIds: string[], config: SweepConfigInput, opts: SweepHostOptions = {}): SweepHandle {
  if (runIds.length === 0) throw new StudioError({ code: 'bad-input', what: 'No run was chosen for the sweep', hint: 'Pick at least one completed run' });
  const parsed = parseSweepConfig(config);
  const runsRoot = path.resolve(opts.runsRoot ?? defaultRunsRoot());
  const store = new RunStore(runsRoot);
  for (const id of runIds) store.paths(id); // validates ids before a process is spent on them
  const sweepId = newSweepId();
  const data: SweepWorkerData = { runsRoot, sweepId, runIds: [...runIds], config: parsed, ...(opts.backend ? { backend: opts.backend } : {}), ...(opts.onnxThreads ? { onnxThreads: opts.onnxThreads } : {}) };
  const worker = startWorkerProcess('sweep', data);
  let outcome: SweepOutcome | undefined;
  let terminatedByHost = false;

  const done = new Promise<SweepOutcome>((resolve) => {
    let crash: Error | undefined;
    worker.on('message', (m: FromSweepWorker) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'done') outcome = m.outcome;
      else if (m.type === 'error') outcome = { sweepId, status: 'failed', runs: runIds.map((runId) => ({ runId, status: 'failed', error: m.error })), error: m.error };
    });
    worker.on('error', (e) => {
      crash = e;
    });
    worker.on('exit', (code) => {
      if (outcome) return resolve(outcome);
      const what = terminatedByHost ? 'The sweep process was stopped before it finished' : `The sweep process crashed${crash ? `: ${crash.message}` : ` (exit code ${code})`}`;
      const error: StudioErrorInfo = { code: 'internal', what, hint: 'The finished levels are kept; start the sweep again' };
      markSweepFailed(runsRoot, runIds, sweepId, what)
        .catch(() => undefined)
        .then(() => resolve({ sweepId, status: 'failed', runs: runIds.map((runId) => ({ runId, status: 'failed' as const, error })), error }));
    });
  });

  return {
    sweepId,
    runIds: [...runIds],
    done,
    cancel: () => {
      const m: ToSweepWorker = { type: 'cancel' };
      worker.postMessage(m);
    },
    terminate: async () => {
      terminatedByHost = true;
      await worker.terminate();
      await done;
    },
  };
}
