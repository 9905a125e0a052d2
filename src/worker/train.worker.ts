/**
 * Training in a worker thread: the main process stays responsive and a crash here cannot take
 * it down. Protocol in src/node/train/protocol.ts; the host is src/node/train/host.ts.
 */
import type { FromTrainWorker, TrainWorkerData } from '../node/train/protocol';
import { resumeRun, trainNewRun, type TrainJobOptions } from '../node/train/job';
import { serveWorkerJob } from '../node/workerJob';

serveWorkerJob<TrainWorkerData, FromTrainWorker>(
  async ({ data, signal, post }) => {
    const opts: TrainJobOptions = {
      runsRoot: data.runsRoot,
      signal,
      onStart: (record) => post({ type: 'started', record }),
      onProgress: (progress) => post({ type: 'progress', progress }),
      onEpoch: (event) => post({ type: 'epoch', event }),
    };
    const record = data.kind === 'new' ? await trainNewRun(data.config, { ...opts, runId: data.runId }) : await resumeRun(data.runId, opts);
    return { type: 'done', record };
  },
  { what: 'Training could not start', hint: 'Check the run config' },
);
