import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import { writeFileAtomic } from '../fs/atomic';

export interface OutFile {
  name: string;
  data: Uint8Array | string;
}

/**
 * Writes a set of files into `dir` as one unit: every target is checked before anything is
 * written (no overwrite unless asked), each file is written atomically in the given order
 * (put the file that points at the others last), and on any failure the files already
 * written by this call are removed, so an interrupted export leaves nothing half done.
 */
export async function writeFileSet(dir: string, files: OutFile[], opts: { overwrite?: boolean } = {}): Promise<string[]> {
  await fsp.mkdir(dir, { recursive: true });
  const targets = files.map((f) => path.join(dir, f.name));
  if (!opts.overwrite) {
    const existing = targets.filter((t) => fs.existsSync(t));
    if (existing.length) {
      throw new StudioError({
        code: 'exists',
        file: existing[0],
        what: `${existing.length} export file(s) already exist and were not replaced`,
        hint: 'Choose an empty output folder, or confirm overwriting',
      });
    }
  }
  const written: string[] = [];
  try {
    for (let i = 0; i < files.length; i++) {
      await writeFileAtomic(targets[i], files[i].data, { overwrite: opts.overwrite });
      written.push(targets[i]);
    }
  } catch (e) {
    // With overwrite, replaced files cannot be restored; without it, nothing of ours is left.
    if (!opts.overwrite) await Promise.all(written.map((t) => fsp.rm(t, { force: true })));
    throw e;
  }
  return targets;
}
