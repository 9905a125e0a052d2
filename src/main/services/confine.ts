/**
 * What browser mode may touch on the studio machine. Anyone holding the token drives the studio,
 * so reads and folder browsing are limited to allowed roots (the user's home, the data folder
 * named by VAR_STUDIO_DATA_ROOT, and every `serve --allow-root DIR`), and writes (exports) to the
 * run store and the export root. Paths are compared after resolving symlinks, so a link cannot
 * lead out. /proc, /sys and /dev are never read (src/main/services/datasets/paths.ts). The Electron
 * shell is the user's own desktop session and is not confined.
 */
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { StudioError } from '../../shared/errors';
import type { Shell } from '../../shared/api/contract';
import { studioHome } from '../../node/runs/home';
import { checkUserPath, DATA_ROOT_ENV } from './datasets/paths';

interface Config {
  readRoots: string[];
  writeRoots: string[];
}

let extra: { read: string[]; write: string[] } = { read: [], write: [] };

/** `serve --allow-root DIR` (reads) and `--export-root DIR` (writes); called once at start. */
export function allowRoots(read: string[], write: string[] = []): void {
  extra = { read: read.map((r) => resolve(r)), write: write.map((r) => resolve(r)) };
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

export function confinement(env: NodeJS.ProcessEnv = process.env): Config {
  const data = env[DATA_ROOT_ENV];
  const home = studioHome();
  return {
    readRoots: [homedir(), ...(data && isAbsolute(data) ? [data] : []), ...extra.read].map(real),
    // The studio home holds the run store (runs/) and is the default export root.
    writeRoots: [home, ...extra.write].map(real),
  };
}

export function inside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

function outside(what: string, file: string, roots: string[], flag: string): StudioError {
  return new StudioError({
    code: 'bad-input',
    file,
    what: `${what} is outside the folders this browser-mode studio may use (${roots.join(', ')})`,
    hint: `Start it with \`var-studio serve ${flag} DIR\` to allow another folder`,
  });
}

/** A real (symlink-free) path the user asked to read; refused outside the read roots in browser mode. */
export function checkRead(realPath: string, shell: Shell | undefined, env?: NodeJS.ProcessEnv): void {
  if (shell !== 'browser') return;
  const roots = confinement(env).readRoots;
  if (!roots.some((r) => inside(realPath, r))) throw outside('this path', realPath, roots, '--allow-root');
}

/**
 * The data folder of a run config (`data.path`) in browser mode: under a read root, or the very
 * folder of a dataset open in this studio (an upload lives in a temp folder). Returns nothing;
 * throws like `checkRead` (or not-found / system folder, like datasets.open).
 */
export function checkRunData(data: { kind: string; path?: string }, shell: Shell | undefined, openRoots: () => string[] = () => [], env?: NodeJS.ProcessEnv): void {
  if (shell !== 'browser' || data.kind !== 'path' || data.path === undefined) return;
  const p = checkUserPath(data.path);
  if (openRoots().filter((r) => isAbsolute(r)).map(real).some((r) => inside(p, r))) return;
  checkRead(p, shell, env);
}

/** An output folder (it may not exist yet): its nearest existing ancestor, resolved, must be under a write root. */
export function checkWrite(target: string, shell: Shell | undefined, env?: NodeJS.ProcessEnv): void {
  if (shell !== 'browser') return;
  let p = resolve(target);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const resolved = resolve(real(p), resolve(target).slice(p.length).replace(/^[/\\]/, ''));
  const roots = confinement(env).writeRoots;
  if (!roots.some((r) => inside(resolved, r))) throw outside('this output folder', target, roots, '--export-root');
}
