/**
 * The flatness diagnostic of a trained run (top Hessian eigenvalue, src/node/train/flatness.ts)
 * in a child process: power iteration takes many gradient evaluations, which must not block the
 * studio. Cancel stops the process: no half-converged estimate is ever stored.
 */
import * as path from 'node:path';
import { startJobProcess } from '../jobs/host';

/** Input of src/worker/flatness.worker.ts. */
export interface FlatnessWorkerData {
  runDir: string;
  iterations?: number;
  batchSize?: number;
}

/** What the job answers: the estimate it also stored in the run record. */
export interface FlatnessResult {
  topEigenvalue: number;
}

export interface FlatnessHandle {
  /** Resolves with the estimate, or undefined when cancelled; rejects with a StudioError. */
  done: Promise<FlatnessResult | undefined>;
  cancel(): void;
  terminate(): Promise<void>;
}

export function startFlatness(runsRoot: string, runId: string, opts: { iterations?: number; batchSize?: number } = {}): FlatnessHandle {
  const data: FlatnessWorkerData = { runDir: path.join(runsRoot, runId), ...opts };
  let cancelled = false;
  const job = startJobProcess<FlatnessWorkerData, never, FlatnessResult | undefined>({
    worker: 'flatness',
    data,
    label: 'flatness',
    crashHint: 'Try again with fewer iterations or a smaller batch',
    recover: async (error) => {
      if (cancelled) return undefined;
      throw error;
    },
  });
  return {
    done: job.done,
    cancel: () => {
      cancelled = true;
      void job.terminate();
    },
    terminate: job.terminate,
  };
}
