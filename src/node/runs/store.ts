import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import { withLegacyAscent, type RunConfig } from '../../shared/run/config';
import { RunRecordSchema, type RunRecord } from '../../shared/run/record';
import { writeFileAtomic } from '../fs/atomic';
import { COMPLETE_MARK, resolveSwappedDir } from './dirSwap';
import { studioHome } from './home';

export { STUDIO_HOME_ENV } from './home';

/** `<studio home>/runs`; see ./home.ts for where the home is. */
export function defaultRunsRoot(): string {
  return path.join(studioHome(), 'runs');
}

/** The weights file of a checkpoint/ or model/ directory. */
export const WEIGHTS_FILE = 'weights.bin';

/** Which trained weights a run has, and where (see RunStore.trainedWeights). */
export interface TrainedWeights {
  /** 'final' = model/ of a completed run; 'checkpoint' = end of the last finished epoch. */
  kind: 'final' | 'checkpoint';
  file: string;
  /**
   * Epochs these weights were trained for, from the state.json written with them (model/:
   * `epochs`, checkpoint/: `epochsDone`); undefined when it does not say. The record's epoch history
   * can lack an epoch whose checkpoint was written just before a crash, so it is not this count.
   */
  epochs: number | undefined;
}

/**
 * Layout of one run directory:
 *   run.json              the RunRecord (config, backend, status, timings, epochs), replaced atomically
 *   checkpoint/           last end-of-epoch state, swapped in as a whole directory
 *     weights.bin         all model weights incl. BatchNorm moving statistics (model.weights order)
 *     optimizer.bin       optimizer state (momentum buffers ...)
 *     state.json          epoch, step count, RNG stream positions; written last = complete mark
 *   model/                final weights, written when the run completes
 *     weights.bin         same format as checkpoint/weights.bin
 *     state.json          names/shapes + model config
 */
export interface RunPaths {
  dir: string;
  record: string;
  checkpoint: string;
  model: string;
}

/** The epoch count in a weights folder's state.json (see TrainedWeights.epochs). */
function weightsEpochs(dir: string, field: 'epochs' | 'epochsDone'): number | undefined {
  try {
    const n = (JSON.parse(fs.readFileSync(path.join(dir, COMPLETE_MARK), 'utf8')) as Record<string, unknown>)[field];
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class RunStore {
  readonly root: string;

  constructor(root?: string) {
    this.root = path.resolve(root ?? defaultRunsRoot());
  }

  paths(id: string): RunPaths {
    if (!ID_RE.test(id) || id.includes('..')) {
      throw new StudioError({ code: 'bad-input', what: `"${id}" is not a run id`, hint: 'Use an id from the run list' });
    }
    const dir = path.join(this.root, id);
    return { dir, record: path.join(dir, 'run.json'), checkpoint: path.join(dir, 'checkpoint'), model: path.join(dir, 'model') };
  }

  /**
   * THE rule for which trained weights a run has: the final model when the run completed, else
   * the last checkpoint; each only when complete (its swapped directory, see dirSwap.ts). Undefined
   * before the first epoch finished. Sweeps, exports, the flatness diagnostic and the export list use it.
   */
  trainedWeights(id: string): TrainedWeights | undefined {
    const p = this.paths(id);
    for (const [kind, base] of [['final', p.model], ['checkpoint', p.checkpoint]] as const) {
      const dir = resolveSwappedDir(base);
      if (dir && fs.existsSync(path.join(dir, WEIGHTS_FILE)))
        return { kind, file: path.join(dir, WEIGHTS_FILE), epochs: weightsEpochs(dir, kind === 'final' ? 'epochs' : 'epochsDone') };
    }
    return undefined;
  }

  /** A new run directory with its first record (status running). */
  async create(config: RunConfig, backend: RunRecord['backend'], opts: { id?: string; now?: Date } = {}): Promise<RunRecord> {
    await fsp.mkdir(this.root, { recursive: true });
    const now = opts.now ?? new Date();
    const id = opts.id ?? newRunId(config.name, now);
    const p = this.paths(id);
    try {
      await fsp.mkdir(p.dir);
    } catch {
      throw new StudioError({ code: 'exists', file: p.dir, what: `Run ${id} already exists`, hint: 'Use a new run id' });
    }
    const iso = now.toISOString();
    const record: RunRecord = {
      id,
      config,
      backend,
      status: 'running',
      createdAt: iso,
      updatedAt: iso,
      timings: {
        totalSeconds: 0,
        trainSeconds: 0,
        validationSeconds: 0,
        statsSeconds: 0,
        checkpointSeconds: 0,
        setupSeconds: 0,
        startedAt: iso,
        resumes: 0,
      },
      epochs: [],
    };
    await writeFileAtomic(p.record, JSON.stringify(record, null, 1), { overwrite: false });
    return record;
  }

  async open(id: string): Promise<RunRecord> {
    const p = this.paths(id);
    let text: string;
    try {
      text = await fsp.readFile(p.record, 'utf8');
    } catch {
      throw new StudioError({ code: 'not-found', file: p.record, what: `Run ${id} does not exist`, hint: 'Pick a run from the run list' });
    }
    return parseRecord(text, p.record);
  }

  async save(record: RunRecord): Promise<void> {
    const checked = RunRecordSchema.parse({ ...record, updatedAt: new Date().toISOString() });
    await writeFileAtomic(this.paths(record.id).record, JSON.stringify(checked, null, 1), { overwrite: true });
  }

  /** Read-modify-write of run.json (one writer per run: the job that owns it). */
  async update(id: string, change: (r: RunRecord) => RunRecord | void): Promise<RunRecord> {
    const r = await this.open(id);
    const next = change(r) ?? r;
    await this.save(next);
    return next;
  }

  /** All readable runs, newest first. Unreadable directories are reported, not fatal. */
  async list(): Promise<{ runs: RunRecord[]; problems: { dir: string; what: string }[] }> {
    if (!fs.existsSync(this.root)) return { runs: [], problems: [] };
    const runs: RunRecord[] = [];
    const problems: { dir: string; what: string }[] = [];
    for (const ent of await fsp.readdir(this.root, { withFileTypes: true })) {
      if (!ent.isDirectory() || !ID_RE.test(ent.name)) continue;
      try {
        runs.push(await this.open(ent.name));
      } catch (e) {
        problems.push({ dir: path.join(this.root, ent.name), what: e instanceof Error ? e.message : String(e) });
      }
    }
    runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    return { runs, problems };
  }

  async delete(id: string): Promise<void> {
    const p = this.paths(id);
    if (!fs.existsSync(p.dir)) {
      throw new StudioError({ code: 'not-found', file: p.dir, what: `Run ${id} does not exist`, hint: 'Pick a run from the run list' });
    }
    await fsp.rm(p.dir, { recursive: true, force: true });
  }
}

function parseRecord(text: string, file: string): RunRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StudioError({ code: 'bad-file', file, what: 'run.json is not valid JSON', hint: 'Delete the run directory or restore run.json' });
  }
  const r = RunRecordSchema.safeParse(withLegacyAscent(raw));
  if (!r.success) {
    throw new StudioError({
      code: 'bad-file',
      file,
      what: `run.json does not match the run record schema (${r.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')})`,
      hint: 'It may come from another version of the studio; delete the run or restore run.json',
    });
  }
  return r.data;
}

/** Sortable, readable and unique: 20261127-101502-my-run-3fa2. */
export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${stamp}-${slug || 'run'}-${randomBytes(2).toString('hex')}`;
}
