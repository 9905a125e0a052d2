/** Hosts src/worker/flatness.worker.ts for one run and turns its single answer into a job outcome. */
import * as path from 'node:path';
import { startWorker } from '../../../node/workers';
import type { JobOutcome, StartedJob } from './queue';

/** The worker's one message (see src/worker/flatness.worker.ts). */
type FromFlatnessWorker =
  | { type: 'done'; topEigenvalue: number }
  | { type: 'error'; error: { code: string; what: string; hint: string; file?: string } };

export function startFlatness(runsRoot: string, runId: string, opts: { iterations?: number; batchSize?: number }): StartedJob {
  const worker = startWorker('flatness', { runDir: path.join(runsRoot, runId), ...opts }, { name: `flatness-${runId}` });
  let answer: FromFlatnessWorker | undefined;
  let stopped = false;
  const done = new Promise<JobOutcome>((resolve) => {
    let crash: Error | undefined;
    worker.on('message', (m: FromFlatnessWorker) => (answer = m));
    worker.on('error', (e) => (crash = e));
    worker.on('exit', (code) => {
      if (answer?.type === 'done') return resolve({ state: 'completed', runId, hessianTopEigenvalue: answer.topEigenvalue });
      if (answer?.type === 'error') return resolve({ state: 'failed', runId, error: answer.error });
      if (stopped) return resolve({ state: 'cancelled', runId });
      resolve({
        state: 'failed',
        runId,
        error: { code: 'internal', what: `The flatness thread crashed${crash ? `: ${crash.message}` : ` (exit code ${code})`}`, hint: 'Try again with fewer iterations or a smaller batch' },
      });
    });
  });
  const stop = async () => {
    stopped = true;
    await worker.terminate();
  };
  return { runId, done, cancel: () => void stop(), terminate: stop };
}
