/** Runs prediction jobs in a child process (src/worker/predict.worker.ts) through the job runtime (src/node/jobs). */
import type { PredictionSummary } from '../../shared/predict/result';
import { startJobProcess } from '../jobs/host';
import type { PredictJobRequest } from './job';
import type { PredictProgress } from './predict';

export type PredictResult = { outDir: string; summary: PredictionSummary };

export interface PredictHandle {
  done: Promise<PredictResult>;
  /** Stops at the next batch. */
  cancel(): void;
}

export function startPrediction(request: PredictJobRequest, onProgress?: (p: PredictProgress) => void): PredictHandle {
  const job = startJobProcess<PredictJobRequest, PredictProgress, PredictResult>({
    worker: 'predict',
    data: request,
    label: 'prediction',
    crashHint: 'Try again, and report the message if it repeats',
    ...(onProgress ? { progress: { report: onProgress } } : {}),
  });
  return { done: job.done, cancel: job.cancel };
}
