import * as fs from 'node:fs';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors.js';
import { DEFAULT_LIMITS, type ReadLimits } from '../../shared/data/types.js';
import { fail } from '../../shared/data/fail.js';

export function limitsOf(partial?: Partial<ReadLimits>): ReadLimits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}

/** Reads one user file, refusing missing paths, folders and files over the per-file limit. */
export function readFileLimited(file: string, limits: ReadLimits): Uint8Array {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return fail('not-found', file, 'the file does not exist', 'Check the path');
  }
  if (!st.isFile()) fail('bad-input', file, 'expected a file, found a folder or special file', 'Point to an image file');
  // A link (e.g. a mask.nii.gz beside a series) must not lead into the kernel's pseudo-files.
  if (/^\/(proc|sys|dev)(\/|$)/.test(realOr(file)))
    fail('bad-input', file, 'the file is a link into a system folder (/proc, /sys or /dev)', 'Replace the link with the real image file');
  if (st.size > limits.maxFileBytes)
    fail(
      'too-large',
      file,
      `the file is ${st.size} bytes, over the limit of ${limits.maxFileBytes}`,
      'Raise the per-file size limit if the file is genuine',
    );
  try {
    const b = fs.readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new StudioError({
      code: 'bad-file',
      file,
      what: `could not read the file (${e instanceof Error ? e.message : String(e)})`,
      hint: 'Check the file permissions',
    });
  }
}

export interface ScannedFile {
  path: string;
  size: number;
}

function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function within(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

export const LINK_OUTSIDE = 'symbolic link to a file outside the opened folder (not followed)';

/**
 * All regular files under `root` (hidden entries skipped, symlinked folders not followed so a link
 * loop cannot trap the scan, symlinked files only when they point inside the folder or
 * `limits.linkRoots`), refusing trees over the file-count or total-size limit. `onSkip` hears
 * about links that were not followed.
 */
export function scanFiles(
  root: string,
  limits: ReadLimits,
  accept: (name: string) => boolean = () => true,
  onSkip?: (file: string, reason: string) => void,
): ScannedFile[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch {
    return fail('not-found', root, 'the path does not exist', 'Check the path');
  }
  if (st.isFile()) return [{ path: root, size: st.size }];
  const linkRoots = [realOr(root), ...(limits.linkRoots ?? []).map(realOr)];
  const out: ScannedFile[] = [];
  let total = 0,
    seen = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      return fail(
        'bad-input',
        dir,
        `cannot list the folder (${e instanceof Error ? e.message : String(e)})`,
        'Check the folder permissions',
      );
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (++seen > limits.maxFiles)
        fail(
          'too-large',
          root,
          `the folder holds more than ${limits.maxFiles} files`,
          'Point to a smaller folder or raise the file-count limit',
        );
      if (e.isDirectory()) walk(p);
      else if ((e.isFile() || e.isSymbolicLink()) && accept(e.name)) {
        if (e.isSymbolicLink() && !linkRoots.some((r) => within(realOr(p), r))) {
          onSkip?.(p, LINK_OUTSIDE);
          continue;
        }
        let s: fs.Stats;
        try {
          s = fs.statSync(p);
        } catch {
          continue;
        }
        if (!s.isFile()) continue;
        total += s.size;
        if (total > limits.maxTotalBytes)
          fail(
            'too-large',
            root,
            `the data set is over the total size limit of ${limits.maxTotalBytes} bytes`,
            'Point to a smaller folder or raise the total size limit',
          );
        out.push({ path: p, size: s.size });
      }
    }
  };
  walk(root);
  return out;
}

/** Natural order: "slice_2" before "slice_10". */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** First `n` bytes of a file (for magic checks while scanning), empty when unreadable. */
export function readHead(file: string, n: number): Uint8Array {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const b = new Uint8Array(n);
    const got = fs.readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
