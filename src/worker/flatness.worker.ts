/**
 * The flatness diagnostic (top Hessian eigenvalue of a trained run) in a worker thread: power
 * iteration takes many gradient evaluations, which must not block the main process.
 * workerData: { runDir, iterations?, batchSize? }. Posts one message, then closes:
 *   { type: 'done', topEigenvalue } | { type: 'error', error: StudioErrorInfo }
 * Cancel = the host terminates the thread, so no half-converged estimate is ever stored.
 */
import { computeHessianTopEigenvalue } from '../node/train/flatness';
import { serveWorkerJob } from '../node/workerJob';

type FlatnessData = { runDir: string; iterations?: number; batchSize?: number };

serveWorkerJob<FlatnessData, { type: 'done'; topEigenvalue: number }>(
  async ({ data }) => {
    const record = await computeHessianTopEigenvalue(data.runDir, {
      ...(data.iterations ? { iterations: data.iterations } : {}),
      ...(data.batchSize ? { batchSize: data.batchSize } : {}),
    });
    return { type: 'done', topEigenvalue: record.hessianTopEigenvalue ?? record.hessian?.topEigenvalue ?? NaN };
  },
  { what: 'The flatness diagnostic failed', hint: 'Check that the run has trained weights' },
);
