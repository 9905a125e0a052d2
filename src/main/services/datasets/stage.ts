/**
 * Several files picked together (a volume and its label, PNG slices with masks) are opened as one
 * folder: a temp folder of links to them, so the readers see the layout they expect without a copy.
 */
import { copyFile, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { StudioError } from '../../../shared/errors';

export async function stageFiles(paths: string[], parent = tmpdir()): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const names = new Set<string>();
  for (const p of paths) {
    const st = await stat(p);
    if (!st.isFile())
      throw new StudioError({
        code: 'bad-input',
        file: p,
        what: 'a folder among picked files',
        hint: 'Open the folder by itself, or pick only files',
      });
    const name = basename(p);
    if (names.has(name))
      throw new StudioError({
        code: 'bad-input',
        file: p,
        what: 'two picked files have the same name',
        hint: 'Open their folders separately',
      });
    names.add(name);
  }
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, 'var-studio-open-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    for (const p of paths) {
      const target = join(dir, basename(p));
      // Links need a privilege on Windows; a copy is the slow but sure fallback.
      await symlink(p, target).catch(() => copyFile(p, target));
    }
  } catch (e) {
    await dispose();
    throw e;
  }
  return { dir, dispose };
}
