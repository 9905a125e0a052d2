/**
 * The experiment's files in its output folder, all safe on shared storage (NFS) where many
 * hosts write at once:
 *   experiment.json     the plan (config + cells), created once (hard link, fails if present)
 *   cells/<key>.json    one record per cell, written only by the process holding cells/<key>.lock
 *                       (temp file + rename within cells/)
 *   runs/               the cells' run directories (each written by its own cell only)
 *   results.json, report.html   written by collect
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import { checkChannelLevels } from '../../shared/sweep/channelLevels';
import { CellRecordSchema, PlanSchema, planCells, type CellRecord, type Plan } from '../../shared/experiment/cells';
import { withLegacyExperimentAscent, type ExperimentConfig } from '../../shared/experiment/config';
import { writeFileAtomic } from '../fs/atomic';

export interface ExperimentPaths {
  out: string;
  /** The plan (experiment.json). */
  plan: string;
  cellsDir: string;
  runsRoot: string;
  results: string;
  report: string;
}

export function experimentPaths(out: string): ExperimentPaths {
  const abs = path.resolve(out);
  return {
    out: abs,
    plan: path.join(abs, 'experiment.json'),
    cellsDir: path.join(abs, 'cells'),
    runsRoot: path.join(abs, 'runs'),
    results: path.join(abs, 'results.json'),
    report: path.join(abs, 'report.html'),
  };
}

/** The runs folder of experiment folder `dir` (the source of `--reuse-runs`), refused when it has none. */
export function sourceRunsRoot(dir: string): string {
  const runsRoot = experimentPaths(dir).runsRoot;
  if (!fs.existsSync(runsRoot)) {
    throw new StudioError({
      code: 'not-found',
      file: runsRoot,
      what: `${dir} holds no runs/ folder`,
      hint: 'Give --reuse-runs the output folder of an earlier experiment (the one holding experiment.json and runs/)',
    });
  }
  return runsRoot;
}

/** Cell keys are made of the grid's method/lambda/seed names; checked again before they become file names. */
function safeKey(key: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,120}$/.test(key) || key.includes('..')) {
    throw new StudioError({ code: 'bad-input', what: `"${key}" is not a cell key`, hint: 'Use a cell index or key from experiment.json' });
  }
  return key;
}

export const cellRecordFile = (paths: ExperimentPaths, key: string) => path.join(paths.cellsDir, `${safeKey(key)}.json`);
export const cellLockFile = (paths: ExperimentPaths, key: string) => path.join(paths.cellsDir, `${safeKey(key)}.lock`);

async function readJson(file: string, what: string, hint: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StudioError({ code: 'bad-file', file, what: `${what} cannot be read (${(e as Error).message})`, hint });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new StudioError({ code: 'bad-file', file, what: `${what} is not valid JSON`, hint });
  }
}

export async function readPlan(paths: ExperimentPaths): Promise<Plan | undefined> {
  const hint = 'Use another --out folder, or delete this one to start over';
  const raw = await readJson(paths.plan, 'experiment.json', hint);
  if (raw === undefined) return undefined;
  const r = PlanSchema.safeParse(
    typeof raw === 'object' && raw !== null && 'config' in raw ? { ...raw, config: withLegacyExperimentAscent(raw.config) } : raw,
  );
  if (!r.success) {
    throw new StudioError({
      code: 'bad-file',
      file: paths.plan,
      what: `experiment.json does not match its schema (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`,
      hint: 'It may come from another studio version; use another --out folder',
    });
  }
  return r.data;
}

/** The plan of a folder that must already hold one (`--cell`, `--collect`). */
export async function requirePlan(paths: ExperimentPaths): Promise<Plan> {
  const plan = await readPlan(paths);
  if (!plan)
    throw new StudioError({
      code: 'not-found',
      file: paths.plan,
      what: 'The folder holds no experiment plan',
      hint: 'Write one first: var-studio experiment --config FILE --out DIR --plan',
    });
  return plan;
}

/** Same experiment = same validated config (key order is fixed by the schema). */
export function sameConfig(a: ExperimentConfig, b: ExperimentConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A channel-family experiment whose levels its model cannot reach would train every cell and then fail in the sweep: refused before the plan exists. */
export function checkSweepLevels(config: ExperimentConfig): void {
  checkChannelLevels(config.model, config.sweep, 'sweep.levels');
}

/**
 * Writes the plan of `config` into the folder, or checks that the plan already there is the same
 * experiment (so `--plan` and a local run are idempotent). Two hosts planning at once: one link
 * wins, the other reads and compares.
 */
export async function ensurePlan(
  paths: ExperimentPaths,
  config: ExperimentConfig,
  meta: { preset?: string; reuseRunsFrom?: string } = {},
): Promise<{ plan: Plan; created: boolean }> {
  checkSweepLevels(config);
  const reuseRunsFrom = meta.reuseRunsFrom === undefined ? undefined : path.resolve(meta.reuseRunsFrom);
  if (reuseRunsFrom === paths.out) {
    throw new StudioError({
      code: 'bad-input',
      file: paths.out,
      what: 'An experiment cannot reuse the runs of its own folder',
      hint: 'Give --reuse-runs the folder of another experiment, and a new --out',
    });
  }
  const check = (existing: Plan) => {
    if (!sameConfig(existing.config, config)) {
      throw new StudioError({
        code: 'bad-input',
        file: paths.plan,
        what: `The folder holds a different experiment ("${existing.name}" with other settings)`,
        hint: 'Use another --out folder, or the same config to resume this one',
      });
    }
    // Resuming without --reuse-runs keeps the plan's source; naming another one is a different experiment.
    if (reuseRunsFrom !== undefined && existing.reuseRunsFrom !== reuseRunsFrom) {
      throw new StudioError({
        code: 'bad-input',
        file: paths.plan,
        what: existing.reuseRunsFrom
          ? `The folder's experiment reuses the runs of ${existing.reuseRunsFrom}, not ${reuseRunsFrom}`
          : 'The folder holds the same experiment, planned to train its own runs',
        hint: 'Use another --out folder (or --fresh) for a new experiment, or leave out --reuse-runs to resume this one',
      });
    }
    return { plan: existing, created: false };
  };
  const existing = await readPlan(paths);
  if (existing) return check(existing);
  if (reuseRunsFrom) sourceRunsRoot(reuseRunsFrom);
  if (fs.existsSync(paths.out) && (await fsp.readdir(paths.out)).some((f) => !f.startsWith('.'))) {
    throw new StudioError({
      code: 'bad-input',
      file: paths.out,
      what: 'The output folder is not empty and holds no experiment',
      hint: 'Choose an empty or new folder for --out',
    });
  }
  const plan: Plan = {
    version: 2,
    name: config.name,
    ...(meta.preset ? { preset: meta.preset } : {}),
    config,
    createdAt: new Date().toISOString(),
    cells: planCells(config),
    ...(reuseRunsFrom ? { reuseRunsFrom } : {}),
  };
  await fsp.mkdir(paths.cellsDir, { recursive: true });
  await fsp.mkdir(paths.runsRoot, { recursive: true });
  try {
    await writeFileAtomic(paths.plan, JSON.stringify(PlanSchema.parse(plan), null, 1), { overwrite: false });
  } catch (e) {
    const other = await readPlan(paths).catch(() => undefined);
    if (other) return check(other);
    throw e;
  }
  return { plan, created: true };
}

export async function readCell(paths: ExperimentPaths, key: string): Promise<CellRecord | undefined> {
  const file = cellRecordFile(paths, key);
  const raw = await readJson(file, `The record of cell ${key}`, 'Delete it to run the cell again');
  if (raw === undefined) return undefined;
  const r = CellRecordSchema.safeParse(raw);
  if (!r.success)
    throw new StudioError({
      code: 'bad-file',
      file,
      what: `The record of cell ${key} does not match its schema`,
      hint: 'Delete it to run the cell again',
    });
  return r.data;
}

/** Only the holder of the cell's lock calls this. */
export async function writeCell(paths: ExperimentPaths, record: CellRecord): Promise<void> {
  const checked = CellRecordSchema.parse({ ...record, updatedAt: new Date().toISOString() });
  await writeFileAtomic(cellRecordFile(paths, record.key), JSON.stringify(checked, null, 1), { overwrite: true });
}

/**
 * The newest folder under `parent` holding a plan of the same config (and, when given, reusing
 * the runs of the same folder) and no completed results: the default resume target when no
 * --out is given.
 */
export async function findUnfinished(parent: string, config: ExperimentConfig, reuseRunsFrom?: string): Promise<string | undefined> {
  if (!fs.existsSync(parent)) return undefined;
  const dirs = (await fsp.readdir(parent, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .reverse();
  for (const d of dirs) {
    const paths = experimentPaths(path.join(parent, d));
    const plan = await readPlan(paths).catch(() => undefined);
    if (!plan || !sameConfig(plan.config, config)) continue;
    if (reuseRunsFrom !== undefined && plan.reuseRunsFrom !== path.resolve(reuseRunsFrom)) continue;
    const results = (await readJson(paths.results, 'results.json', '').catch(() => undefined)) as { status?: string } | undefined;
    if (results?.status !== 'completed') return paths.out;
  }
  return undefined;
}
