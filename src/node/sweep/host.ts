import * as path from 'node:path';
import { StudioError, type StudioErrorInfo } from '../../shared/errors';
import type { IProgress } from '../../shared/progress';
import { parseSweepConfig, type SweepConfigInput } from '../../shared/sweep/config';
import type { BackendPreference } from '../compute/backend';
import { startJobProcess } from '../jobs/host';
import { defaultRunsRoot, RunStore } from '../runs/store';
import { markSweepFailed, newSweepId } from './files';
import type { SweepOutcome, SweepProgress, SweepWorkerData } from './protocol';

export interface SweepHostOptions {
  runsRoot?: string;
  backend?: BackendPreference;
  onnxThreads?: number;
  progress?: IProgress<SweepProgress>;
  /** Id of the new sweep (default: generated); the job service passes the id it announced. */
  sweepId?: string;
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
  if (runIds.length === 0)
    throw new StudioError({ code: 'bad-input', what: 'No run was chosen for the sweep', hint: 'Pick at least one completed run' });
  const parsed = parseSweepConfig(config);
  const runsRoot = path.resolve(opts.runsRoot ?? defaultRunsRoot());
  const store = new RunStore(runsRoot);
  for (const id of runIds) store.paths(id); // validates ids before a process is spent on them
  const sweepId = opts.sweepId ?? newSweepId();
  const data: SweepWorkerData = {
    runsRoot,
    sweepId,
    runIds: [...runIds],
    config: parsed,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.onnxThreads ? { onnxThreads: opts.onnxThreads } : {}),
  };
  const failed = (error: StudioErrorInfo): SweepOutcome => ({
    sweepId,
    status: 'failed',
    runs: runIds.map((runId) => ({ runId, status: 'failed', error })),
    error,
  });
  const job = startJobProcess<SweepWorkerData, SweepProgress, SweepOutcome>({
    worker: 'sweep',
    data,
    label: 'sweep',
    crashHint: 'The finished levels are kept; start the sweep again',
    ...(opts.progress ? { progress: opts.progress } : {}),
    // The records still say running: mark them failed with the reason; finished levels stay.
    recover: async (error) => {
      await markSweepFailed(runsRoot, runIds, sweepId, error.what).catch(() => undefined);
      return failed(error.toJSON());
    },
  });
  const done = job.done.catch((e: unknown) =>
    failed(e instanceof StudioError ? e.toJSON() : { code: 'internal', what: String(e), hint: 'Start the sweep again' }),
  );
  return { sweepId, runIds: [...runIds], done, cancel: job.cancel, terminate: job.terminate };
}
