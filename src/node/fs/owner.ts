/** Which process owns something on disk (a staging folder, a lock), and whether it still runs. */
import * as os from 'node:os';

export interface Owner {
  pid: number;
  host: string;
  /** ISO time the owner started holding it. */
  startedAt: string;
}

export function currentOwner(now = new Date()): Owner {
  return { pid: process.pid, host: os.hostname(), startedAt: now.toISOString() };
}

/** True when `pid` names a live process on this machine (EPERM: alive, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An owner is gone only when it ran on THIS host and its process no longer exists; an owner on
 * another host (shared NFS folder) cannot be checked and is treated as alive.
 */
export function ownerGone(o: Pick<Owner, 'pid' | 'host'>): boolean {
  return o.host === os.hostname() && !processAlive(o.pid);
}
