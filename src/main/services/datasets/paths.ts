/** Which paths of the studio machine the datasets service may list or open. */
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve, sep } from 'node:path';
import { StudioError } from '../../../shared/errors';

/** Env var that fixes the folder browser's start (e.g. the data disk of a remote GPU box). */
export const DATA_ROOT_ENV = 'VAR_STUDIO_DATA_ROOT';

// Kernel pseudo-filesystems: reading them can block or leak machine state, and they hold no scans.
const FORBIDDEN = ['/proc', '/sys', '/dev'];

export function startFolder(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[DATA_ROOT_ENV];
  return configured && isAbsolute(configured) ? resolve(configured) : homedir();
}

function forbidden(p: string): boolean {
  return FORBIDDEN.some((f) => p === f || p.startsWith(f + sep));
}

/**
 * An absolute, existing, real path outside the pseudo-filesystems. Symlinks are resolved first so
 * a link cannot smuggle /proc in under another name.
 */
export function checkUserPath(raw: string): string {
  if (!isAbsolute(raw)) {
    throw new StudioError({
      code: 'bad-input',
      file: raw,
      what: 'the path is not absolute',
      hint: 'Give the full path, e.g. /home/me/scans',
    });
  }
  let real: string;
  try {
    real = realpathSync(resolve(raw));
  } catch {
    throw new StudioError({
      code: 'not-found',
      file: raw,
      what: 'the path does not exist',
      hint: 'Check the path, or pick the folder in the folder browser',
    });
  }
  if (forbidden(resolve(raw)) || forbidden(real)) {
    throw new StudioError({
      code: 'bad-input',
      file: raw,
      what: 'system folders (/proc, /sys, /dev) hold no scans and are not read',
      hint: 'Pick a folder with images',
    });
  }
  return real;
}
