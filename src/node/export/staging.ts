/**
 * Exports are placed as a set. Everything is built in a staging folder created next to the output
 * folders (same parent, so the same file system and every move is a rename), and each output
 * folder is placed with ONE rename of the staged folder. Before the first rename a journal
 * (`PLACE.json`) is written: from then on the set is committed, and a placement cut short (kill -9,
 * power loss) is completed at the next start by `recoverStaging`; a staging folder without journal
 * is simply deleted, leaving the previous state untouched. An output folder therefore only ever
 * holds the complete previous export or the complete new one, never a mix of files.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StudioError } from '../../shared/errors';
import type { ExportFormat } from '../../shared/export/schemas';
import { writeFileAtomic } from '../fs/atomic';
import { ownerGone } from '../fs/owner';
import { CARD_JSON, CARD_MD, ONNX_FILE, TFJS_JSON } from './paths';

export const STAGING_PREFIX = '.var-studio-staging-';
const JOURNAL = 'PLACE.json';
const NAME_RE = /^\.var-studio-staging-(.+)-(\d+)-[0-9a-f]{8}$/;
const SYSTEM = ['/proc', '/sys', '/dev'];

interface Journal {
  items: { name: string; dir: string }[];
}

export interface StagedTarget {
  format: ExportFormat;
  /** Final output folder. */
  dir: string;
  /** Folder name inside the staging root. */
  name: string;
}

function isExportFile(name: string): boolean {
  return [ONNX_FILE, TFJS_JSON, CARD_JSON, CARD_MD].includes(name) || /^group1-shard\d+of\d+\.bin$/.test(name);
}

function destError(file: string, what: string, hint = 'Choose an output folder you can write to, e.g. under your home folder'): StudioError {
  return new StudioError({ code: 'bad-input', file, what, hint });
}

/**
 * Checks every output folder before any work (so a bad path fails in milliseconds, not after
 * minutes of scoring), and returns their common parent, where the staging folder will live.
 */
export function checkDestinations(targets: StagedTarget[], overwrite: boolean): string {
  const parents = new Set(targets.map((t) => path.dirname(path.resolve(t.dir))));
  if (parents.size !== 1) throw new StudioError({ code: 'internal', what: 'export folders of one set must share a parent folder', hint: 'Report this; export one format at a time meanwhile' });
  const parent = [...parents][0];
  if (SYSTEM.some((s) => parent === s || parent.startsWith(s + path.sep))) throw destError(parent, 'system folders (/proc, /sys, /dev) cannot hold exports');
  // The first existing ancestor decides: a file there means "a path under a file".
  let probe = parent;
  for (;;) {
    let st: fs.Stats | undefined;
    try { st = fs.statSync(probe); } catch { /* missing: look further up */ }
    if (st) {
      if (!st.isDirectory()) throw destError(probe, 'this is a file, so no folder can be created under it', 'Choose an output path that is (or will be) a folder');
      try { fs.accessSync(probe, fs.constants.W_OK | fs.constants.X_OK); } catch { throw destError(probe, 'the folder is not writable'); }
      break;
    }
    const up = path.dirname(probe);
    if (up === probe) throw destError(parent, 'no existing folder on this path');
    probe = up;
  }
  const real = fs.realpathSync(probe);
  if (SYSTEM.some((s) => real === s || real.startsWith(s + path.sep))) throw destError(parent, 'system folders (/proc, /sys, /dev) cannot hold exports');
  for (const t of targets) {
    let st: fs.Stats | undefined;
    try { st = fs.statSync(t.dir); } catch { continue; }
    if (!st.isDirectory()) throw destError(t.dir, 'a file has the name of the output folder', 'Remove or rename that file, or choose another output folder');
    const entries = fs.readdirSync(t.dir);
    // The folder is replaced as a whole, so it may only hold an earlier export.
    const foreign = entries.filter((n) => !isExportFile(n));
    if (foreign.length) throw destError(path.join(t.dir, foreign[0]), `the output folder holds ${foreign.length} file(s) that are not part of an export`, 'Choose an empty or new output folder; an export replaces its folder as a whole');
    if (entries.length && !overwrite) {
      throw new StudioError({ code: 'exists', file: path.join(t.dir, entries[0]), what: `${entries.length} file(s) of this export already exist and were not replaced`, hint: 'Choose another output folder, or confirm overwriting (CLI: --force)' });
    }
  }
  return parent;
}

/** Creates the staging root in `parent` (creating `parent` too); removes stale ones found there. */
export async function createStaging(parent: string): Promise<string> {
  const root = path.join(parent, `${STAGING_PREFIX}${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fsp.mkdir(parent, { recursive: true });
    await recoverStaging(parent);
    await fsp.mkdir(root);
    return root;
  } catch (e) {
    throw destError(parent, `cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Places every staged folder; `root` is removed afterwards. */
export async function placeStaged(root: string, targets: StagedTarget[]): Promise<void> {
  const journal: Journal = { items: targets.map((t) => ({ name: t.name, dir: path.resolve(t.dir) })) };
  await writeFileAtomic(path.join(root, JOURNAL), JSON.stringify(journal));
  await rollForward(root, journal);
}

async function rollForward(root: string, journal: Journal): Promise<void> {
  for (let i = 0; i < journal.items.length; i++) {
    const { name, dir } = journal.items[i];
    const staged = path.join(root, name);
    if (!fs.existsSync(staged)) continue; // already placed
    const old = path.join(root, `previous-${i}`);
    if (fs.existsSync(dir) && !fs.existsSync(old)) await fsp.rename(dir, old);
    await fsp.rename(staged, dir);
  }
  await fsp.rm(root, { recursive: true, force: true });
}

/**
 * Staging folders in `parent` whose owner process is gone: committed ones (journal present) are
 * completed, the others deleted. Returns how many were completed and deleted.
 */
export async function recoverStaging(parent: string): Promise<{ completed: number; removed: number }> {
  let names: string[];
  try { names = await fsp.readdir(parent); } catch { return { completed: 0, removed: 0 }; }
  let completed = 0, removed = 0;
  for (const n of names) {
    const m = NAME_RE.exec(n);
    if (!m || !ownerGone({ host: m[1], pid: Number(m[2]) })) continue;
    const root = path.join(parent, n);
    let journal: Journal | undefined;
    try { journal = JSON.parse(await fsp.readFile(path.join(root, JOURNAL), 'utf8')) as Journal; } catch { /* not committed */ }
    if (journal) { await rollForward(root, journal); completed++; }
    else { await fsp.rm(root, { recursive: true, force: true }); removed++; }
  }
  return { completed, removed };
}

/** At start: recover the staging folders of every run's exports folder in the run store. */
export async function recoverRunStoreStaging(runsRoot: string): Promise<{ completed: number; removed: number }> {
  const total = { completed: 0, removed: 0 };
  let runs: string[];
  try { runs = await fsp.readdir(runsRoot); } catch { return total; }
  for (const r of runs) {
    const got = await recoverStaging(path.join(runsRoot, r, 'exports'));
    total.completed += got.completed;
    total.removed += got.removed;
  }
  return total;
}
