/** The flatness diagnostic in a child process; host and protocol: src/node/train/flatnessHost.ts. */
import { computeHessianTopEigenvalue } from '../node/train/flatness';
import type { FlatnessResult, FlatnessWorkerData } from '../node/train/flatnessHost';
import { serveJob } from '../node/jobs/worker';

serveJob<FlatnessWorkerData, never, FlatnessResult>(
  async ({ data }) => {
    const record = await computeHessianTopEigenvalue(data.runDir, {
      ...(data.iterations ? { iterations: data.iterations } : {}),
      ...(data.batchSize ? { batchSize: data.batchSize } : {}),
    });
    return { topEigenvalue: record.hessianTopEigenvalue ?? record.hessian?.topEigenvalue ?? NaN };
  },
  { what: 'The flatness diagnostic failed', hint: 'Check that the run has trained weights' },
);
