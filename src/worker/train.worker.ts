/**
 * Training in a worker thread: the main process stays responsive and a crash here cannot take
 * it down. Protocol in src/node/train/protocol.ts; the host is src/node/train/host.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromTrainWorker, ToTrainWorker, TrainWorkerData } from '../node/train/protocol';
import { isStudioError } from '../shared/errors';
import { resumeRun, trainNewRun, type TrainJobOptions } from '../node/train/job';

const port = parentPort!;
const data = workerData as TrainWorkerData;
const controller = new AbortController();
const post = (m: FromTrainWorker) => port.postMessage(m);

port.on('message', (m: ToTrainWorker) => {
  if (m.type === 'cancel') controller.abort();
});

// No top-level await: from sources this entry runs as CommonJS through tsx (see src/node/workers.ts).
async function main(): Promise<void> {
  try {
    const opts: TrainJobOptions = {
      runsRoot: data.runsRoot,
      signal: controller.signal,
      onStart: (record) => post({ type: 'started', record }),
      onProgress: (progress) => post({ type: 'progress', progress }),
      onEpoch: (event) => post({ type: 'epoch', event }),
    };
    const record = data.kind === 'new' ? await trainNewRun(data.config, { ...opts, runId: data.runId }) : await resumeRun(data.runId, opts);
    post({ type: 'done', record });
  } catch (e) {
    post({
      type: 'error',
      error: isStudioError(e) ? e.toJSON() : { code: 'internal', what: `Training could not start: ${e instanceof Error ? e.message : String(e)}`, hint: 'Check the run config' },
    });
  }
  // Let the host see the last message before the thread goes (tfjs may hold handles open).
  port.close();
}

void main();
