/**
 * One experiment cell in a child process (the local parallel runner starts one per cell):
 * the same `runCell` a Slurm array task or a Kubernetes pod runs through `--cell K`.
 * Input in src/node/experiment/cellProtocol.ts; host in src/node/experiment/local.ts.
 */
import type { CellRecord } from '../shared/experiment/cells';
import { runCell } from '../node/experiment/cell';
import type { CellWorkerData } from '../node/experiment/cellProtocol';
import type { ExperimentEvent } from '../node/experiment/events';
import { experimentPaths, requirePlan } from '../node/experiment/state';
import { serveJob } from '../node/jobs/worker';

serveJob<CellWorkerData, ExperimentEvent, CellRecord>(
  async ({ data, signal, progress }) => {
    const paths = experimentPaths(data.out);
    const plan = await requirePlan(paths);
    return runCell(paths, plan, data.key, { signal, onEvent: (event) => progress.report(event) });
  },
  { what: 'The experiment cell could not run', hint: 'Run it alone with var-studio experiment --out DIR --cell K to see why' },
);
