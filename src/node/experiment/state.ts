/**
 * The experiment's own record in its output folder (`experiment.json`): which run and sweep
 * belongs to which grid cell. It is what makes a re-run with the same `--out` resume instead
 * of starting over. Written atomically after every change.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { StudioError } from '../../shared/errors';
import { ExperimentConfigSchema, type ExperimentConfig } from '../../shared/experiment/config';
import { writeFileAtomic } from '../fs/atomic';

export const ExperimentStateSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  preset: z.string().optional(),
  config: ExperimentConfigSchema,
  status: z.enum(['running', 'completed', 'cancelled', 'failed']),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Grid cell key -> run id (under `<out>/runs`). */
  runs: z.record(z.string(), z.string()),
  /** Grid cell key -> id of its completed sweep. */
  sweeps: z.record(z.string(), z.string()),
  error: z.object({ code: z.string(), what: z.string(), hint: z.string(), file: z.string().optional() }).optional(),
});
export type ExperimentState = z.infer<typeof ExperimentStateSchema>;

export interface ExperimentPaths {
  out: string;
  state: string;
  runsRoot: string;
  results: string;
  report: string;
}

export function experimentPaths(out: string): ExperimentPaths {
  const abs = path.resolve(out);
  return {
    out: abs,
    state: path.join(abs, 'experiment.json'),
    runsRoot: path.join(abs, 'runs'),
    results: path.join(abs, 'results.json'),
    report: path.join(abs, 'report.html'),
  };
}

export async function readState(file: string): Promise<ExperimentState | undefined> {
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch {
    throw new StudioError({ code: 'bad-file', file, what: 'experiment.json is not valid JSON', hint: 'Use another --out folder, or delete this one to start over' });
  }
  const r = ExperimentStateSchema.safeParse(raw);
  if (!r.success) {
    throw new StudioError({ code: 'bad-file', file, what: `experiment.json does not match its schema (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`, hint: 'It may come from another studio version; use another --out folder' });
  }
  return r.data;
}

export async function writeState(file: string, state: ExperimentState): Promise<void> {
  state.updatedAt = new Date().toISOString();
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(ExperimentStateSchema.parse(state), null, 1), { overwrite: true });
}

/** Same experiment = same validated config (key order is fixed by the schema). */
export function sameConfig(a: ExperimentConfig, b: ExperimentConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The newest folder under `parent` whose experiment has the same config and did not complete:
 * the default resume target when no --out is given.
 */
export async function findUnfinished(parent: string, config: ExperimentConfig): Promise<string | undefined> {
  if (!fs.existsSync(parent)) return undefined;
  const dirs = (await fsp.readdir(parent, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort().reverse();
  for (const d of dirs) {
    const file = experimentPaths(path.join(parent, d)).state;
    const st = await readState(file).catch(() => undefined);
    if (st && st.status !== 'completed' && sameConfig(st.config, config)) return path.join(parent, d);
  }
  return undefined;
}
