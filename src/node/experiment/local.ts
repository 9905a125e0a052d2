/**
 * The local runner: the plan's cells in child processes, up to `jobs` at once. Each cell trains
 * and then sweeps in its own process (its sweep starts as soon as its training ends), exactly as
 * a cluster task would, so a local run and a cluster run leave the same files.
 * Each cell process runs through the job runtime (src/node/jobs).
 */
import * as os from 'node:os';
import { WHOLE_MACHINE_BACKENDS } from '../../shared/backend';
import { StudioError, type StudioErrorInfo } from '../../shared/errors';
import type { CellRecord, Plan, PlannedCell } from '../../shared/experiment/cells';
import type { ExperimentConfig } from '../../shared/experiment/config';
import { probeBackend } from '../compute/backend';
import { startJobProcess } from '../jobs/host';
import { isCellComplete } from './cell';
import type { CellWorkerData } from './cellProtocol';
import type { ExperimentEvent, ExperimentListener } from './events';
import { readCell, type ExperimentPaths } from './state';

/** Memory one cell may take at its peak (training process + sweep process + tfjs), for the automatic --jobs. */
export const CELL_MEMORY_BYTES = 2 * 1024 ** 3;

export interface JobsDecision {
  jobs: number;
  /** Why this many, for the log. */
  reason: string;
}

/**
 * How many cells may run at once: one per free core when a cell computes in one thread (wasm,
 * cpu; `workers` > 1 takes that many cores), one at a time on the native backends (they use
 * every core or the GPU themselves), and never more than the free memory holds.
 */
export async function autoJobs(config: ExperimentConfig, cells: number): Promise<JobsDecision> {
  const backend = await probeBackend(config.backend, { log: () => {} });
  if (WHOLE_MACHINE_BACKENDS.includes(backend.name)) {
    return { jobs: 1, reason: `the ${backend.name} backend uses every core (or the GPU) for one cell` };
  }
  const threads = Math.max(1, config.workers);
  const cores = os.availableParallelism();
  const byCores = Math.max(1, Math.floor(cores / threads));
  const byMemory = Math.max(1, Math.floor((os.freemem() * 0.8) / CELL_MEMORY_BYTES));
  const jobs = Math.max(1, Math.min(cells, byCores, byMemory));
  return {
    jobs,
    reason: `${cores} cores / ${threads} thread(s) per cell on ${backend.name}, memory for ${byMemory}, ${cells} cell(s) to run`,
  };
}

interface CellProcess {
  done: Promise<{ record?: CellRecord; error?: StudioErrorInfo }>;
  cancel(): void;
}

function startCellProcess(data: CellWorkerData, emit: ExperimentListener): CellProcess {
  const job = startJobProcess<CellWorkerData, ExperimentEvent, CellRecord>({
    worker: 'cell',
    data,
    label: 'cell',
    crashHint: 'Run the same command again: the cell resumes from its last checkpoint',
    progress: { report: emit },
  });
  return {
    done: job.done.then(
      (record) => ({ record }),
      (e: unknown) => ({
        error:
          e instanceof StudioError
            ? e.toJSON()
            : { code: 'internal', what: `The cell process failed: ${String(e)}`, hint: 'Run the cell alone with --cell to see why' },
      }),
    ),
    cancel: job.cancel,
  };
}

export interface LocalRunOptions {
  jobs: number;
  signal: AbortSignal;
  onEvent: ExperimentListener;
}

export interface LocalRunOutcome {
  /** Cells that did not complete, with why. */
  failed: { cell: PlannedCell; record?: CellRecord; error?: StudioErrorInfo }[];
  cancelled: boolean;
}

export async function runCellsLocally(paths: ExperimentPaths, plan: Plan, opts: LocalRunOptions): Promise<LocalRunOutcome> {
  const total = plan.cells.length;
  const todo: PlannedCell[] = [];
  for (const cell of plan.cells) {
    const record = await readCell(paths, cell.key).catch(() => undefined);
    if (record && (await isCellComplete(paths, record))) opts.onEvent({ type: 'cell-done', total, cell, record, skipped: true });
    else todo.push(cell);
  }
  const failed: LocalRunOutcome['failed'] = [];
  const running = new Set<CellProcess>();
  const onAbort = () => running.forEach((p) => p.cancel());
  opts.signal.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  const lane = async () => {
    while (next < todo.length && !opts.signal.aborted) {
      const cell = todo[next++];
      const proc = startCellProcess({ out: paths.out, key: cell.key }, opts.onEvent);
      running.add(proc);
      const { record, error } = await proc.done;
      running.delete(proc);
      if (record?.status !== 'completed') failed.push({ cell, ...(record ? { record } : {}), ...(error ? { error } : {}) });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, todo.length)) }, lane));
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
  return { failed, cancelled: opts.signal.aborted };
}
