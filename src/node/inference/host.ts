/** Runs prediction jobs in a child process (src/worker/predict.worker.ts): tfjs never blocks the main process. */
import { StudioError, type StudioErrorInfo } from '../../shared/errors';
import type { PredictionSummary } from '../../shared/predict/result';
import { startWorkerProcess } from '../workers';
import type { PredictJobRequest } from './job';
import type { PredictProgress } from './predict';

export type PredictResult = { outDir: string; summary: PredictionSummary };
export type ToPredictWorker = { type: 'cancel' };
export type FromPredictWorker =
  | { type: 'progress'; progress: PredictProgress }
  | { type: 'done'; result: PredictResult }
  | { type: 'error'; error: StudioErrorInfo };

export interface PredictHandle {
  done: Promise<PredictResult>;
  /** Stops at the next batch. */
  cancel(): void;
}

export function startPrediction(request: PredictJobRequest, onProgress?: (p: PredictProgress) => void): PredictHandle {
  const worker = startWorkerProcess('predict', request);
  let result: PredictResult | undefined;
  let error: StudioError | undefined;
  const done = new Promise<PredictResult>((resolve, reject) => {
    let crash: Error | undefined;
    worker.on('message', (m: FromPredictWorker) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'done') result = m.result;
      else error = new StudioError(m.error);
    });
    worker.on('error', (e) => (crash = e));
    worker.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(error ?? new StudioError({ code: 'internal', what: `The prediction process stopped${crash ? `: ${crash.message}` : ` (exit code ${code})`}`, hint: 'Try again, and report the message if it repeats' }));
    });
  });
  return { done, cancel: () => worker.postMessage({ type: 'cancel' } satisfies ToPredictWorker) };
}
