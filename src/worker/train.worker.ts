/**
 * Training in a child process: the studio stays responsive and a crash here cannot take it
 * down. Protocol in src/node/train/protocol.ts; the host is src/node/train/host.ts.
 */
import { serveJob } from '../node/jobs/worker';
import type { TrainResult, TrainUpdate, TrainWorkerData } from '../node/train/protocol';
import { resumeRun, trainNewRun, type TrainJobOptions } from '../node/train/job';

serveJob<TrainWorkerData, TrainUpdate, TrainResult>(
  async ({ data, signal, progress }) => {
    const opts: TrainJobOptions = {
      runsRoot: data.runsRoot,
      signal,
      progress: { report: (p) => progress.report({ type: 'step', progress: p }) },
      onEpoch: (event) => progress.report({ type: 'epoch', event }),
    };
    return data.kind === 'new' ? trainNewRun(data.config, { ...opts, runId: data.runId }) : resumeRun(data.runId, opts);
  },
  { what: 'Training could not start', hint: 'Check the run config' },
);
