/**
 * `runExperiment`: plan the cells, run them locally (in parallel child processes), collect
 * results.json and report.html. Everything lives in the output folder (runs under `runs/`, one
 * record per cell under `cells/`), so re-running with the same folder resumes: completed cells
 * are reused, interrupted runs continue from their last checkpoint. A cluster runs the same
 * cells (`--cell K`) and the same collect.
 */
import * as path from 'node:path';
import type { ExperimentConfig } from '../../shared/experiment/config';
import type { Results } from '../../shared/experiment/results';
import type { CellRecord } from '../../shared/experiment/cells';
import { collectExperiment } from './collect';
import type { ExperimentListener } from './events';
import { autoJobs, runCellsLocally } from './local';
import { ensurePlan, experimentPaths, findUnfinished, type ExperimentPaths } from './state';
import { acquireLock } from '../fs/lock';

export interface ExperimentOptions {
  /** Output folder; default: an unfinished experiment of the same config under `outParent`, else a new timestamped folder there. */
  out?: string;
  /** Default `./var-studio-output`. */
  outParent?: string;
  /** Never resume an unfinished folder found under outParent. */
  fresh?: boolean;
  preset?: string;
  /** Another experiment's folder whose completed runs are reused where the training is the same (`Plan.reuseRunsFrom`). */
  reuseRunsFrom?: string;
  /** Cells at once; default automatic (see autoJobs). */
  jobs?: number;
  signal?: AbortSignal;
  onEvent?: ExperimentListener;
}

export interface ExperimentOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  paths: ExperimentPaths;
  resumed: boolean;
  jobs: number;
  results?: Results;
  error?: CellRecord['error'];
}

export const DEFAULT_OUT_PARENT = 'var-studio-output';

function stamp(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** The folder of a new or resumed experiment (see ExperimentOptions.out). */
export async function chooseOut(
  config: ExperimentConfig,
  opts: Pick<ExperimentOptions, 'out' | 'outParent' | 'fresh' | 'reuseRunsFrom'>,
): Promise<string> {
  if (opts.out) return path.resolve(opts.out);
  const parent = path.resolve(opts.outParent ?? DEFAULT_OUT_PARENT);
  if (!opts.fresh) {
    const unfinished = await findUnfinished(parent, config, opts.reuseRunsFrom);
    if (unfinished) return unfinished;
  }
  return path.join(parent, `${config.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${stamp()}`);
}

export async function runExperiment(config: ExperimentConfig, opts: ExperimentOptions = {}): Promise<ExperimentOutcome> {
  const signal = opts.signal ?? new AbortController().signal;
  const emit: ExperimentListener = opts.onEvent ?? (() => {});
  const out = await chooseOut(config, opts);
  // Two experiments writing one folder would train the same runs and delete each other's files.
  const lock = acquireLock(out, 'experiment');
  try {
    return await runIn(out, config, opts, signal, emit);
  } finally {
    lock.release();
  }
}

async function runIn(
  out: string,
  config: ExperimentConfig,
  opts: ExperimentOptions,
  signal: AbortSignal,
  emit: ExperimentListener,
): Promise<ExperimentOutcome> {
  const t0 = performance.now();
  const paths = experimentPaths(out);
  const { plan, created } = await ensurePlan(paths, config, {
    ...(opts.preset ? { preset: opts.preset } : {}),
    ...(opts.reuseRunsFrom ? { reuseRunsFrom: opts.reuseRunsFrom } : {}),
  });
  const resumed = !created;
  emit({
    type: 'info',
    message: resumed ? `Resuming the experiment in ${paths.out} (finished cells are reused)` : `Output folder: ${paths.out}`,
  });
  if (plan.reuseRunsFrom)
    emit({ type: 'info', message: `Trained runs are taken from ${plan.reuseRunsFrom} where the training config is the same` });

  const decision = opts.jobs ? { jobs: opts.jobs, reason: '--jobs' } : await autoJobs(config, plan.cells.length);
  emit({
    type: 'stage',
    stage: 'cells',
    message: `${plan.cells.length} cell(s) (train, then sweep each), up to ${decision.jobs} at once (${decision.reason})`,
  });
  const local = await runCellsLocally(paths, plan, { jobs: decision.jobs, signal, onEvent: emit });
  const base = { paths, resumed, jobs: decision.jobs };
  if (local.cancelled) return { status: 'cancelled', ...base };
  if (local.failed.length > 0) {
    const first = local.failed[0];
    const why = first.record?.error ?? first.error;
    return {
      status: 'failed',
      ...base,
      error: {
        code: why?.code ?? 'internal',
        what: `${local.failed.length} of ${plan.cells.length} cell(s) did not complete (${local.failed.map((f) => f.cell.key).join(', ')}); cell ${first.cell.key}: ${why?.what ?? 'no reason recorded'}`,
        hint: why?.hint ?? 'Run the same command again: finished cells are kept, interrupted ones resume',
      },
    };
  }

  emit({ type: 'stage', stage: 'collect', message: 'Writing results.json and report.html' });
  // A resumed experiment spans sessions: its wall time is the cells' own span.
  const { results } = await collectExperiment(paths, resumed ? {} : { totalSeconds: (performance.now() - t0) / 1000 });
  return { status: 'completed', ...base, results };
}
