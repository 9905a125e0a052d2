/** Prediction jobs off the main process. Protocol and host: src/node/inference/host.ts. */
import type { FromPredictWorker } from '../node/inference/host';
import { runPredictJob, type PredictJobRequest } from '../node/inference/job';
import { serveWorkerJob } from '../node/workerJob';

serveWorkerJob<PredictJobRequest, FromPredictWorker>(
  async ({ data, signal, post }) => ({ type: 'done', result: await runPredictJob(data, { signal, onProgress: (progress) => post({ type: 'progress', progress }) }) }),
  { what: 'The prediction failed', hint: 'Check the run and the scan, then try again' },
);
