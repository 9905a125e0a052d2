/**
 * `--slurm`: an sbatch script that runs the plan's cells as one job array (task id = cell index)
 * and a collect job to submit with `--dependency=afterany` on the array, so the report is written
 * even when some cells failed (it lists them). Both run the same `var-studio experiment --out DIR`
 * on the compute nodes, so DIR must be on storage every node mounts at the same path.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { GPU_BACKENDS } from '../../shared/backend';
import { StudioError } from '../../shared/errors';
import type { Plan } from '../../shared/experiment/cells';
import { writeFileAtomic } from '../fs/atomic';
import type { ExperimentPaths } from './state';

export interface SlurmOptions {
  /** The command that starts var-studio on a compute node (already shell-quoted). */
  cli: string;
  partition?: string;
  /** Slurm time limit per cell, e.g. 02:00:00. */
  time?: string;
  /** GPUs per cell; default 1 when the config asks for tensorflow-gpu, else none. */
  gpusPerCell?: number;
  /** CPUs per cell; default the cell's compute threads (gradient workers, at least 1). */
  cpusPerCell?: number;
  /** Memory per cell, Slurm syntax; default 4G. */
  memPerCell?: string;
  /** Array tasks running at once (%N); default no limit. */
  maxParallel?: number;
}

export interface SlurmFiles {
  cellsScript: string;
  collectScript: string;
  /** The two commands that submit them (the second waits for the whole array). */
  commands: [string, string];
}

/** POSIX shell quoting: safe for any path. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function check(value: string | undefined, re: RegExp, flag: string, example: string): void {
  if (value !== undefined && !re.test(value))
    throw new StudioError({ code: 'bad-input', what: `${flag} "${value}" is not valid`, hint: `Use e.g. ${flag} ${example}` });
}

export function slurmScripts(plan: Plan, paths: ExperimentPaths, opts: SlurmOptions): { cells: string; collect: string } {
  check(opts.partition, /^[A-Za-z0-9_.,-]+$/, '--partition', 'gpu');
  check(opts.time, /^(\d+-)?\d+(:\d{2}){0,2}$/, '--time', '02:00:00');
  check(opts.memPerCell, /^\d+[KMGT]?$/, '--mem-per-cell', '8G');
  const gpus = opts.gpusPerCell ?? ((GPU_BACKENDS as readonly string[]).includes(plan.config.backend) ? 1 : 0);
  const cpus = opts.cpusPerCell ?? Math.max(1, plan.config.workers);
  const n = plan.cells.length;
  const logs = path.join(paths.out, 'slurm');
  const name = `var-studio-${plan.name.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
  const header = (what: string) => [
    '#!/bin/bash',
    `# VAR Studio experiment "${plan.name}": ${what}.`,
    `# Written by \`var-studio experiment --slurm\`; the folder ${paths.out} must be on storage that every node mounts at this path.`,
  ];
  const common = [
    ...(opts.partition ? [`#SBATCH --partition=${opts.partition}`] : []),
    ...(opts.time ? [`#SBATCH --time=${opts.time}`] : []),
  ];
  const cells = [
    ...header(`${n} cell(s) as one job array (task id = cell index in experiment.json)`),
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=0-${n - 1}${opts.maxParallel ? `%${opts.maxParallel}` : ''}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${cpus}`,
    `#SBATCH --mem=${opts.memPerCell ?? '4G'}`,
    ...(gpus > 0 ? [`#SBATCH --gres=gpu:${gpus}`] : []),
    ...common,
    `#SBATCH --output=${logs}/cell-%a.out`,
    // A cell that hits its time limit gets SIGTERM first: it stops at a step boundary and keeps its checkpoint.
    '#SBATCH --signal=B:TERM@60',
    'set -eu',
    `exec ${opts.cli} experiment --out ${shellQuote(paths.out)} --cell "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
  const collect = [
    ...header('collect the finished cells into results.json and report.html'),
    `#SBATCH --job-name=${name}-collect`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    '#SBATCH --mem=2G',
    ...common,
    `#SBATCH --output=${logs}/collect.out`,
    'set -eu',
    `exec ${opts.cli} experiment --out ${shellQuote(paths.out)} --collect`,
    '',
  ].join('\n');
  return { cells, collect };
}

export async function writeSlurmFiles(plan: Plan, paths: ExperimentPaths, opts: SlurmOptions): Promise<SlurmFiles> {
  const { cells, collect } = slurmScripts(plan, paths, opts);
  const dir = path.join(paths.out, 'slurm');
  await fsp.mkdir(dir, { recursive: true });
  const cellsScript = path.join(dir, 'cells.sbatch');
  const collectScript = path.join(dir, 'collect.sbatch');
  await writeFileAtomic(cellsScript, cells, { overwrite: true });
  await writeFileAtomic(collectScript, collect, { overwrite: true });
  return {
    cellsScript,
    collectScript,
    commands: [
      `jobid=$(sbatch --parsable ${shellQuote(cellsScript)})`,
      `sbatch --dependency=afterany:\${jobid%%;*} ${shellQuote(collectScript)}`,
    ],
  };
}
