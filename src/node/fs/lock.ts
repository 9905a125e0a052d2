/**
 * One writer per folder (a run, an experiment): `<dir>/.lock` holds the owner's pid, host and start
 * time. It is created exclusively in the way that also holds on NFS: the owner writes a private
 * file and hard-links it to the lock name (link is atomic there, O_EXCL was not on old clients),
 * then checks the link count. A lock whose owner ran on this host and is gone is stale and taken
 * over; a lock from another host is never broken automatically (its process cannot be checked).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import { currentOwner, ownerGone, type Owner } from './owner';

export const LOCK_FILE = '.lock';

export interface LockInfo extends Owner {
  /** What the owner is doing, e.g. "training run sgd-1". */
  purpose: string;
}

export interface Lock {
  readonly file: string;
  release(): void;
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function heldError(dir: string, file: string, held: LockInfo | undefined, hint?: string): StudioError {
  const who = held ? `process ${held.pid} on ${held.host} (${held.purpose}, since ${held.startedAt})` : 'another process';
  return new StudioError({
    code: 'busy',
    file: dir,
    what: `${who} is already writing here; a second writer would overwrite its files`,
    hint:
      held && held.host === os.hostname()
        ? (hint ??
          `Wait for it to finish or stop it (Cancel in the studio that runs it, or kill ${held.pid}), or use another output folder`)
        : `If no studio is running on ${held?.host ?? 'the other host'}, delete ${file} and try again`,
  });
}

/**
 * Throws the error `acquireLock` would when a live process holds the lock of `dir` (a check before
 * queueing work; the writer still takes the lock when it starts).
 */
export function checkUnlocked(dir: string, hint?: string): void {
  const file = path.join(dir, LOCK_FILE);
  const held = readLock(file);
  if (held && !ownerGone(held)) throw heldError(dir, file, held, hint);
}

/** Takes the lock of `dir` (created if missing) or throws a StudioError naming the holder; `hint` replaces the default one for a holder on this host. */
export function acquireLock(dir: string, purpose: string, hint?: string): Lock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const info: LockInfo = { ...currentOwner(), purpose };
  const mine = path.join(dir, `${LOCK_FILE}.${info.host}.${info.pid}.${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(mine, JSON.stringify(info));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(mine, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      // Link count 2 = our file is the lock (also when an NFS reply was lost after the link).
      if (fs.statSync(mine).nlink === 2) {
        let released = false;
        return {
          file,
          release() {
            if (released) return;
            released = true;
            // Only remove the lock if it is still ours.
            if (readLock(file)?.pid === info.pid && readLock(file)?.startedAt === info.startedAt) fs.rmSync(file, { force: true });
          },
        };
      }
      const held = readLock(file);
      // Gone between our link and this read (released): try again. The lock is linked from a
      // complete file, so a present lock always has its content.
      if (!held) continue;
      if (!ownerGone(held)) throw heldError(dir, file, held, hint);
      // Stale: move it aside under a unique name (only one taker wins the rename), then retry.
      try {
        fs.renameSync(file, `${file}.stale.${randomBytes(4).toString('hex')}`);
      } catch {
        /* someone else took it */
      }
      for (const n of fs.readdirSync(dir)) if (n.startsWith(`${LOCK_FILE}.stale.`)) fs.rmSync(path.join(dir, n), { force: true });
    }
    throw heldError(dir, file, readLock(file), hint);
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

/** Runs `fn` holding the lock of `dir`. */
export async function withLock<T>(dir: string, purpose: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireLock(dir, purpose);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
