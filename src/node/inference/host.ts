/** Runs prediction jobs in a child process (src/worker/predict.worker.ts) through the job runtime (src/node/jobs). */
import type { IProgress } from '../../shared/progress';
import type { PredictionSummary } from '../../shared/predict/result';
import { startJobProcess, type JobProcess } from '../jobs/host';
import type { PredictJobRequest } from './job';
import type { PredictProgress } from './predict';

export type PredictResult = { outDir: string; summary: PredictionSummary };

/** `done` rejects with the job's StudioError (`cancelled` after cancel(): stops at the next batch, nothing written). */
export function startPrediction(request: PredictJobRequest, progress?: IProgress<PredictProgress>): JobProcess<PredictResult> {
  return startJobProcess<PredictJobRequest, PredictProgress, PredictResult>({
    worker: 'predict',
    data: request,
    label: 'prediction',
    crashHint: 'Try again, and report the message if it repeats',
    ...(progress ? { progress } : {}),
  });
}
