/**
 * One experiment cell in a child process (the local parallel runner starts one per cell):
 * the same `runCell` a Slurm array task or a Kubernetes pod runs through `--cell K`.
 * Protocol in src/node/experiment/cellProtocol.ts; host in src/node/experiment/local.ts.
 */
import { runCell } from '../node/experiment/cell';
import type { CellWorkerData, FromCellWorker } from '../node/experiment/cellProtocol';
import { experimentPaths, requirePlan } from '../node/experiment/state';
import { serveWorkerJob } from '../node/workerJob';

serveWorkerJob<CellWorkerData, FromCellWorker>(
  async ({ data, signal, post }) => {
    const paths = experimentPaths(data.out);
    const plan = await requirePlan(paths);
    const record = await runCell(paths, plan, data.key, { signal, onEvent: (event) => post({ type: 'event', event }) });
    return { type: 'done', record };
  },
  { what: 'The experiment cell could not run', hint: 'Run it alone with var-studio experiment --out DIR --cell K to see why' },
);
