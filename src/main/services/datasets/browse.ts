/**
 * The folder browser of browser mode: names, kinds and sizes of one folder. It never opens a
 * file, so browsing cannot read scan contents (or anything else) through the API.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BrowseOutput } from '../../../shared/api/schemas/datasets';
import { StudioError } from '../../../shared/errors';
import { checkUserPath, startFolder } from './paths';
import { inside, type Confinement } from '../confine';
import type { Shell } from '../../../shared/api/contract';

export const MAX_ENTRIES = 5000;

type Entry = BrowseOutput['entries'][number];

export async function browseFolder(
  raw: string | undefined,
  confinement: Confinement,
  shell?: Shell,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BrowseOutput> {
  const home = startFolder(env);
  const path = checkUserPath(raw ?? home);
  confinement.checkRead(path, shell);
  let names: string[];
  try {
    const st = await stat(path);
    if (!st.isDirectory()) {
      throw new StudioError({
        code: 'bad-input',
        file: path,
        what: 'this is a file, not a folder',
        hint: 'Browse its folder and open the file from there',
      });
    }
    names = await readdir(path);
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError({
      code: 'bad-input',
      file: path,
      what: `cannot list the folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      hint: 'Check the folder permissions',
    });
  }
  // Hidden entries are skipped like the readers skip them: they are never part of a dataset.
  const visible = names.filter((n) => !n.startsWith('.')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const entries: Entry[] = [];
  for (const name of visible.slice(0, MAX_ENTRIES)) {
    try {
      // stat (not lstat): a symlinked folder is shown as a folder; opening it is checked again.
      const s = await stat(join(path, name));
      if (s.isDirectory()) entries.push({ name, kind: 'dir' });
      else if (s.isFile()) entries.push({ name, kind: 'file', size: s.size });
    } catch {
      // Dangling links and unreadable entries are simply not offered.
    }
  }
  entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'dir' ? -1 : 1));
  const parent = dirname(path);
  // In browser mode "Up" stops at the allowed roots.
  const reachable = parent !== path && (shell !== 'browser' || confinement.roots().readRoots.some((r) => inside(parent, r)));
  return { path, home, entries, truncated: visible.length > MAX_ENTRIES, ...(reachable ? { parent } : {}) };
}
