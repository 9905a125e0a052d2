import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors.js';

export interface AtomicWriteOptions {
  /** Replace an existing file. Default false: an existing file is an error and is left untouched. */
  overwrite?: boolean;
}

function tempName(target: string): string {
  // Same directory as the target, so the final rename never crosses file systems.
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function existsError(target: string): StudioError {
  return new StudioError({
    code: 'exists',
    file: target,
    what: 'the file already exists and was not replaced',
    hint: 'Choose another path, or remove the existing file first',
  });
}

function writeError(target: string, e: unknown): StudioError {
  const msg = e instanceof Error ? e.message : String(e);
  return new StudioError({
    code: 'bad-file',
    file: target,
    what: `could not write the file (${msg})`,
    hint: 'Check that the folder exists, is writable and that the disk is not full',
  });
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * Writes `data` to `target` so that readers only ever see the old file or the complete new one:
 * temp file in the same folder, fsync, then rename (overwrite) or hard link (no overwrite, which
 * fails atomically when the target exists). The temp file is removed on every failure.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  if (!opts.overwrite && fs.existsSync(target)) throw existsError(target);
  const tmp = tempName(target);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx', 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (opts.overwrite) {
      await fsp.rename(tmp, target);
    } else {
      await linkNoReplace(tmp, target);
    }
    await syncDir(path.dirname(target));
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof StudioError) throw e;
    throw writeError(target, e);
  }
}

async function linkNoReplace(tmp: string, target: string): Promise<void> {
  try {
    await fsp.link(tmp, target);
  } catch (e) {
    if (isCode(e, 'EEXIST')) throw existsError(target);
    // Some file systems (FAT, some network mounts) have no hard links: check then rename.
    if (isCode(e, 'EPERM') || isCode(e, 'ENOTSUP') || isCode(e, 'EOPNOTSUPP') || isCode(e, 'ENOSYS')) {
      if (fs.existsSync(target)) throw existsError(target);
      await fsp.rename(tmp, target);
      return;
    }
    throw e;
  }
  await fsp.rm(tmp, { force: true });
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable; not supported on every platform (Windows), so best effort.
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* best effort */
  }
}

/** Synchronous twin of `writeFileAtomic` for crash handlers and tiny records. */
export function writeFileAtomicSync(target: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  if (!opts.overwrite && fs.existsSync(target)) throw existsError(target);
  const tmp = tempName(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (opts.overwrite) {
      fs.renameSync(tmp, target);
    } else {
      try {
        fs.linkSync(tmp, target);
        fs.rmSync(tmp, { force: true });
      } catch (e) {
        if (isCode(e, 'EEXIST')) throw existsError(target);
        if (fs.existsSync(target)) throw existsError(target);
        fs.renameSync(tmp, target);
      }
    }
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* already failing */
    }
    if (e instanceof StudioError) throw e;
    throw writeError(target, e);
  }
}
