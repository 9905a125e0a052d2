/**
 * One experiment cell in a child process (the local parallel runner starts one per cell):
 * the same `runCell` a Slurm array task or a Kubernetes pod runs through `--cell K`.
 * Protocol in src/node/experiment/cellProtocol.ts; host in src/node/experiment/local.ts.
 */
import { runCell } from '../node/experiment/cell';
import type { CellWorkerData, FromCellWorker } from '../node/experiment/cellProtocol';
import { experimentPaths, requirePlan } from '../node/experiment/state';
import { serveWorkerJob } from '../node/workerJob';

// Ctrl-C in a terminal reaches the whole process group: the parent turns it into a 'cancel'
// message, so this process must not die of it mid-step. A parent that is gone (killed, or a
// second Ctrl-C) leaves no one to report to: stop at the next step, keeping the checkpoint.
const orphaned = new AbortController();
process.on('SIGINT', () => {});
process.on('disconnect', () => orphaned.abort());

serveWorkerJob<CellWorkerData, FromCellWorker>(
  async ({ data, signal, post }) => {
    const paths = experimentPaths(data.out);
    const plan = await requirePlan(paths);
    const record = await runCell(paths, plan, data.key, { signal: AbortSignal.any([signal, orphaned.signal]), onEvent: (event) => process.connected && post({ type: 'event', event }) });
    return { type: 'done', record };
  },
  { what: 'The experiment cell could not run', hint: 'Run it alone with var-studio experiment --out DIR --cell K to see why' },
);
