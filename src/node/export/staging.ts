/**
 * Exports are placed as a set. Everything is built in a staging folder created next to the output
 * folders (same parent, so the same file system and every move is a rename), and each output
 * folder is placed with ONE rename of the staged folder (the previous one is moved into the staging
 * folder first). Before the first rename a journal (`PLACE.json`) is written; it is deleted once
 * every folder is placed, and that deletion is the commit. Until then the placement is undone, the
 * previous folders put back, when it is cancelled or fails, when its process dies (the job host
 * undoes it at once, `recoverStaging`), or at the next start or export into the same folder for a
 * killed studio. A staging folder without journal is simply deleted. An output folder set
 * therefore ends as the complete previous export or the complete new one, never a mix.
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
import { studioHome } from '../runs/home';
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

function destError(
  file: string,
  what: string,
  hint = 'Choose an output folder you can write to, e.g. under your home folder',
): StudioError {
  return new StudioError({ code: 'bad-input', file, what, hint });
}

/**
 * Checks every output folder before any work (so a bad path fails in milliseconds, not after
 * minutes of scoring), and returns their common parent, where the staging folder will live.
 */
export function checkDestinations(targets: StagedTarget[], overwrite: boolean): string {
  const parents = new Set(targets.map((t) => path.dirname(path.resolve(t.dir))));
  if (parents.size !== 1)
    throw new StudioError({
      code: 'internal',
      what: 'export folders of one set must share a parent folder',
      hint: 'Report this; export one format at a time meanwhile',
    });
  const parent = [...parents][0];
  if (SYSTEM.some((s) => parent === s || parent.startsWith(s + path.sep)))
    throw destError(parent, 'system folders (/proc, /sys, /dev) cannot hold exports');
  // The first existing ancestor decides: a file there means "a path under a file".
  let probe = parent;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(probe);
    } catch {
      /* missing: look further up */
    }
    if (st) {
      if (!st.isDirectory())
        throw destError(
          probe,
          'this is a file, so no folder can be created under it',
          'Choose an output path that is (or will be) a folder',
        );
      try {
        fs.accessSync(probe, fs.constants.W_OK | fs.constants.X_OK);
      } catch {
        throw destError(probe, 'the folder is not writable');
      }
      break;
    }
    const up = path.dirname(probe);
    if (up === probe) throw destError(parent, 'no existing folder on this path');
    probe = up;
  }
  const real = fs.realpathSync(probe);
  if (SYSTEM.some((s) => real === s || real.startsWith(s + path.sep)))
    throw destError(parent, 'system folders (/proc, /sys, /dev) cannot hold exports');
  for (const t of targets) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(t.dir);
    } catch {
      continue;
    }
    if (!st.isDirectory())
      throw destError(t.dir, 'a file has the name of the output folder', 'Remove or rename that file, or choose another output folder');
    const entries = fs.readdirSync(t.dir);
    // The folder is replaced as a whole, so it may only hold an earlier export.
    const foreign = entries.filter((n) => !isExportFile(n));
    if (foreign.length)
      throw destError(
        path.join(t.dir, foreign[0]),
        `the output folder holds ${foreign.length} file(s) that are not part of an export`,
        'Choose an empty or new output folder; an export replaces its folder as a whole',
      );
    if (entries.length && !overwrite) {
      throw new StudioError({
        code: 'exists',
        file: path.join(t.dir, entries[0]),
        what: `${entries.length} file(s) of this export already exist and were not replaced`,
        hint: 'Choose another output folder, or confirm overwriting (CLI: --force)',
      });
    }
  }
  return parent;
}

/**
 * Where staging folders outside the run store are noted while they exist (`<home>/exports-pending/
 * <staging name>.json` = its parent), so the next start finds a placement a killed CLI cut short in
 * any output folder, not only in the run store.
 */
const pendingDir = () => path.join(studioHome(), 'exports-pending');
const pendingNote = (root: string) => path.join(pendingDir(), `${path.basename(root)}.json`);

/** Removes a staging folder and its note. */
export async function dropStaging(root: string): Promise<void> {
  await fsp.rm(root, { recursive: true, force: true });
  await fsp.rm(pendingNote(root), { force: true }).catch(() => undefined);
}

/** Creates the staging root in `parent` (creating `parent` too); removes stale ones found there. */
export async function createStaging(parent: string): Promise<string> {
  const root = path.join(parent, `${STAGING_PREFIX}${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fsp.mkdir(parent, { recursive: true });
    await recoverStaging(parent);
    // Best effort: without the note, the next export into this folder still recovers it.
    await fsp
      .mkdir(pendingDir(), { recursive: true })
      .then(() => writeFileAtomic(pendingNote(root), JSON.stringify({ parent: path.resolve(parent) })))
      .catch(() => undefined);
    await fsp.mkdir(root);
    return root;
  } catch (e) {
    throw destError(parent, `cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export interface PlaceOptions {
  /** A cancel during placement puts the previous folders back. */
  signal?: AbortSignal;
  /** Called after folder `i` was placed (tests cut the placement there). */
  onPlaced?: (i: number) => void;
}

const cancelledWhilePlacing = () =>
  new StudioError({
    code: 'cancelled',
    what: 'The export was cancelled while its files were being placed',
    hint: 'The previous export folders are back as they were; start it again when needed',
  });

/**
 * Places every staged folder, or none: a cancel or a failure part-way puts the previous folders
 * back before it is reported. `root` is removed afterwards.
 */
export async function placeStaged(root: string, targets: StagedTarget[], opts: PlaceOptions = {}): Promise<void> {
  const journal: Journal = { items: targets.map((t) => ({ name: t.name, dir: path.resolve(t.dir) })) };
  await writeFileAtomic(path.join(root, JOURNAL), JSON.stringify(journal));
  try {
    for (let i = 0; i < journal.items.length; i++) {
      if (opts.signal?.aborted) throw cancelledWhilePlacing();
      const { name, dir } = journal.items[i];
      if (fs.existsSync(dir)) await fsp.rename(dir, path.join(root, `previous-${i}`));
      await fsp.rename(path.join(root, name), dir);
      opts.onPlaced?.(i);
    }
    if (opts.signal?.aborted) throw cancelledWhilePlacing();
  } catch (e) {
    await rollBack(root, journal);
    throw e;
  }
  // The commit: without a journal nothing is undone; what is left are the previous folders.
  await fsp.rm(path.join(root, JOURNAL));
  await dropStaging(root);
}

/**
 * Undoes a placement at any point (also one cut short while it was being undone): a placed folder
 * goes back into the staging folder, the previous one back to its place. Then `root` is removed.
 */
async function rollBack(root: string, journal: Journal): Promise<void> {
  for (let i = journal.items.length - 1; i >= 0; i--) {
    const { name, dir } = journal.items[i];
    const staged = path.join(root, name);
    const old = path.join(root, `previous-${i}`);
    // Every staged folder existed when the journal was written: missing = placed.
    if (!fs.existsSync(staged) && fs.existsSync(dir)) await fsp.rename(dir, staged);
    if (fs.existsSync(old)) await fsp.rename(old, dir);
  }
  await fsp.rm(path.join(root, JOURNAL), { force: true });
  await dropStaging(root);
}

/**
 * Staging folders in `parent` whose owner process is gone: a placement cut short (journal present)
 * is undone, the previous folders put back; the others are deleted. Returns how many were undone
 * and deleted.
 */
export async function recoverStaging(parent: string): Promise<{ undone: number; removed: number }> {
  let names: string[];
  try {
    names = await fsp.readdir(parent);
  } catch {
    return { undone: 0, removed: 0 };
  }
  let undone = 0,
    removed = 0;
  for (const n of names) {
    const m = NAME_RE.exec(n);
    if (!m || !ownerGone({ host: m[1], pid: Number(m[2]) })) continue;
    const root = path.join(parent, n);
    let journal: Journal | undefined;
    try {
      journal = JSON.parse(await fsp.readFile(path.join(root, JOURNAL), 'utf8')) as Journal;
    } catch {
      /* not committed */
    }
    if (journal) {
      await rollBack(root, journal);
      undone++;
    } else {
      await dropStaging(root);
      removed++;
    }
  }
  return { undone, removed };
}

/** At start: recover the staging folders noted in the studio home (exports into any folder); drop notes whose folder is gone. */
export async function recoverPendingStaging(): Promise<{ undone: number; removed: number }> {
  const total = { undone: 0, removed: 0 };
  let notes: string[];
  try {
    notes = await fsp.readdir(pendingDir());
  } catch {
    return total;
  }
  for (const n of notes.filter((x) => x.startsWith(STAGING_PREFIX) && x.endsWith('.json'))) {
    const note = path.join(pendingDir(), n);
    let parent: string | undefined;
    try {
      parent = (JSON.parse(await fsp.readFile(note, 'utf8')) as { parent?: string }).parent;
    } catch {
      /* unreadable note */
    }
    if (typeof parent === 'string' && path.isAbsolute(parent)) {
      const got = await recoverStaging(parent);
      total.undone += got.undone;
      total.removed += got.removed;
      if (fs.existsSync(path.join(parent, n.slice(0, -'.json'.length)))) continue; // its owner still runs
    }
    await fsp.rm(note, { force: true });
  }
  return total;
}

/** At start: recover the staging folders of every run's exports folder in the run store. */
export async function recoverRunStoreStaging(runsRoot: string): Promise<{ undone: number; removed: number }> {
  const total = { undone: 0, removed: 0 };
  let runs: string[];
  try {
    runs = await fsp.readdir(runsRoot);
  } catch {
    return total;
  }
  for (const r of runs) {
    const got = await recoverStaging(path.join(runsRoot, r, 'exports'));
    total.undone += got.undone;
    total.removed += got.removed;
  }
  return total;
}
