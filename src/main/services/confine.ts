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

export interface ConfinementOptions {
  /** `serve --allow-root DIR`: more folders to read and browse. */
  allowRoots?: string[];
  /** `serve --export-root DIR`: more folders to export into. */
  exportRoots?: string[];
  /** Where VAR_STUDIO_DATA_ROOT is read, at every check (default: the process environment). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The confinement of one services host: made once by whoever composes the services (the host, or
 * a test) and handed to each service that reads or writes user paths. Each check does nothing
 * outside browser mode.
 */
export interface Confinement {
  /** The allowed roots now, resolved (home and studio home are read at every call). */
  roots(): { readRoots: string[]; writeRoots: string[] };
  /** A real (symlink-free) path the user asked to read; refused outside the read roots. */
  checkRead(realPath: string, shell: Shell | undefined): void;
  /**
   * The data folder of a run config (`data.path`): under a read root, or the very folder of a
   * dataset open in this studio (an upload lives in a temp folder). Throws like `checkRead` (or
   * not-found / system folder, like datasets.open).
   */
  checkRunData(data: { kind: string; path?: string }, shell: Shell | undefined, openRoots?: () => string[]): void;
  /** An output folder (it may not exist yet): its nearest existing ancestor, resolved, must be under a write root. */
  checkWrite(target: string, shell: Shell | undefined): void;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
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

export function createConfinement(options: ConfinementOptions = {}): Confinement {
  const extraRead = (options.allowRoots ?? []).map((r) => resolve(r));
  const extraWrite = (options.exportRoots ?? []).map((r) => resolve(r));
  const env = options.env ?? process.env;

  function roots() {
    const data = env[DATA_ROOT_ENV];
    return {
      readRoots: [homedir(), ...(data && isAbsolute(data) ? [data] : []), ...extraRead].map(real),
      // The studio home holds the run store (runs/) and is the default export root.
      writeRoots: [studioHome(), ...extraWrite].map(real),
    };
  }

  function checkRead(realPath: string, shell: Shell | undefined): void {
    if (shell !== 'browser') return;
    const { readRoots } = roots();
    if (!readRoots.some((r) => inside(realPath, r))) throw outside('this path', realPath, readRoots, '--allow-root');
  }

  return {
    roots,
    checkRead,
    checkRunData(data, shell, openRoots = () => []) {
      if (shell !== 'browser' || data.kind !== 'path' || data.path === undefined) return;
      const p = checkUserPath(data.path);
      if (
        openRoots()
          .filter((r) => isAbsolute(r))
          .map(real)
          .some((r) => inside(p, r))
      )
        return;
      checkRead(p, shell);
    },
    checkWrite(target, shell) {
      if (shell !== 'browser') return;
      let p = resolve(target);
      while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
      const resolved = resolve(
        real(p),
        resolve(target)
          .slice(p.length)
          .replace(/^[/\\]/, ''),
      );
      const { writeRoots } = roots();
      if (!writeRoots.some((r) => inside(resolved, r))) throw outside('this output folder', target, writeRoots, '--export-root');
    },
  };
}
