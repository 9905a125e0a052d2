/**
 * Sweeps in a worker thread: pruning and scoring never block the main process, and a crash
 * here leaves it running. Protocol in src/node/sweep/protocol.ts; host in src/node/sweep/host.ts.
 */
import { runSweep } from '../node/sweep/job';
import type { FromSweepWorker, SweepWorkerData } from '../node/sweep/protocol';
import { serveWorkerJob } from '../node/workerJob';

serveWorkerJob<SweepWorkerData, FromSweepWorker>(
  async ({ data, signal, post }) => ({
    type: 'done',
    outcome: await runSweep({ ...data, signal, onProgress: (progress) => post({ type: 'progress', progress }) }),
  }),
  { what: 'The sweep could not start', hint: 'Check the sweep settings' },
);
