/**
 * The flatness diagnostic (top Hessian eigenvalue of a trained run) in a worker thread: power
 * iteration takes many gradient evaluations, which must not block the main process.
 * workerData: { runDir, iterations?, batchSize? }. Posts one message, then closes:
 *   { type: 'done', topEigenvalue } | { type: 'error', error: StudioErrorInfo }
 * Cancel = the host terminates the thread, so no half-converged estimate is ever stored.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { computeHessianTopEigenvalue } from '../node/train/flatness';
import { isStudioError } from '../shared/errors';

const port = parentPort!;
const data = workerData as { runDir: string; iterations?: number; batchSize?: number };

// No top-level await: from sources this entry runs as CommonJS through tsx (see src/node/workers.ts).
async function main(): Promise<void> {
  try {
    const record = await computeHessianTopEigenvalue(data.runDir, {
      ...(data.iterations ? { iterations: data.iterations } : {}),
      ...(data.batchSize ? { batchSize: data.batchSize } : {}),
    });
    port.postMessage({ type: 'done', topEigenvalue: record.hessianTopEigenvalue ?? record.hessian?.topEigenvalue ?? NaN });
  } catch (e) {
    port.postMessage({
      type: 'error',
      error: isStudioError(e) ? e.toJSON() : { code: 'internal', what: `The flatness diagnostic failed: ${e instanceof Error ? e.message : String(e)}`, hint: 'Check that the run has trained weights' },
    });
  }
  port.close();
}

void main();
