/**
 * One cell, one worker: a lock file created exclusively (O_CREAT | O_EXCL, which NFS v3+ honours)
 * next to the cell's record. The holder refreshes its mtime; a lock is stale when its holder is
 * a dead process on this host, or when nobody refreshed it for STALE_MS (a node that died). A
 * stale lock is renamed away within the same folder before the new one is created, so two
 * takers cannot both win.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';

/** How often the holder touches the lock. */
export const HEARTBEAT_MS = 30_000;
/** A lock untouched for this long belongs to a holder that is gone. */
export const STALE_MS = 10 * 60_000;

export interface CellLock {
  release(): Promise<void>;
}

interface Holder {
  host: string;
  pid: number;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function staleReason(file: string): Promise<{ stale: boolean; holder?: Holder }> {
  let holder: Holder | undefined;
  let mtimeMs: number;
  try {
    holder = JSON.parse(await fsp.readFile(file, 'utf8')) as Holder;
  } catch {
    holder = undefined; // being written right now, or garbage: judged by its age alone
  }
  try {
    mtimeMs = (await fsp.stat(file)).mtimeMs;
  } catch {
    return { stale: true }; // gone meanwhile
  }
  if (holder && holder.host === os.hostname() && holder.pid !== process.pid && !alive(holder.pid)) return { stale: true, holder };
  return { stale: Date.now() - mtimeMs > STALE_MS, ...(holder ? { holder } : {}) };
}

async function create(file: string): Promise<boolean> {
  try {
    const h = await fsp.open(file, 'wx', 0o644);
    try {
      await h.writeFile(JSON.stringify({ host: os.hostname(), pid: process.pid, since: new Date().toISOString() } satisfies Holder));
      await h.sync();
    } finally {
      await h.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StudioError({
      code: 'bad-file',
      file,
      what: `The cell's lock file cannot be created (${(e as Error).message})`,
      hint: 'Check that the output folder is writable from this host',
    });
  }
}

/** Takes the lock or throws a StudioError naming the holder. */
export async function acquireCellLock(file: string, cellName: string): Promise<CellLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await create(file)) return held(file);
    const { stale, holder } = await staleReason(file);
    if (!stale) {
      throw new StudioError({
        code: 'busy',
        file,
        what: `Cell ${cellName} is being worked on by ${holder ? `process ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another process'}`,
        hint: `Wait for it to finish. If that process is gone, the lock expires ${STALE_MS / 60_000} minutes after its last heartbeat (or delete the lock file)`,
      });
    }
    // Another taker may rename it first; then the create below decides who wins.
    await fsp.rename(file, `${file}.stale-${randomBytes(4).toString('hex')}`).catch(() => undefined);
    await removeStale(file);
  }
  throw new StudioError({
    code: 'busy',
    file,
    what: `Cell ${cellName} was taken by another process just now`,
    hint: 'Only one process may run a cell at a time: wait for that one to finish (--collect lists the finished cells)',
  });
}

async function removeStale(file: string): Promise<void> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  for (const f of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (f.startsWith(`${base}.stale-`)) await fsp.rm(path.join(dir, f), { force: true }).catch(() => undefined);
  }
}

function held(file: string): CellLock {
  const beat = setInterval(() => {
    const now = new Date();
    void fsp.utimes(file, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  beat.unref();
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(beat);
      await fsp.rm(file, { force: true });
    },
  };
}
