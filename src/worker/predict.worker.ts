/** Prediction jobs in a child process. Host: src/node/inference/host.ts. */
import type { PredictResult } from '../node/inference/host';
import { runPredictJob, type PredictJobRequest } from '../node/inference/job';
import type { PredictProgress } from '../node/inference/predict';
import { serveJob } from '../node/jobs/worker';

serveJob<PredictJobRequest, PredictProgress, PredictResult>(
  ({ data, signal, progress }) => runPredictJob(data, { signal, onProgress: (p) => progress.report(p) }),
  {
    what: 'The prediction failed',
    hint: 'Check the run and the scan, then try again',
  },
);
