/**
 * Sweeps in a worker thread: pruning and scoring never block the main process, and a crash
 * here leaves it running. Protocol in src/node/sweep/protocol.ts; host in src/node/sweep/host.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSweep } from '../node/sweep/job';
import type { FromSweepWorker, SweepWorkerData, ToSweepWorker } from '../node/sweep/protocol';
import { isStudioError } from '../shared/errors';

const port = parentPort!;
const data = workerData as SweepWorkerData;
const controller = new AbortController();
const post = (m: FromSweepWorker) => port.postMessage(m);

port.on('message', (m: ToSweepWorker) => {
  if (m.type === 'cancel') controller.abort();
});

// No top-level await: from sources this entry runs as CommonJS through tsx (see src/node/workers.ts).
async function main(): Promise<void> {
  try {
    const outcome = await runSweep({ ...data, signal: controller.signal, onProgress: (progress) => post({ type: 'progress', progress }) });
    post({ type: 'done', outcome });
  } catch (e) {
    post({
      type: 'error',
      error: isStudioError(e) ? e.toJSON() : { code: 'internal', what: `The sweep could not start: ${e instanceof Error ? e.message : String(e)}`, hint: 'Check the sweep settings' },
    });
  }
  port.close();
}

void main();
