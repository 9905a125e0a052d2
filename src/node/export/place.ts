/**
 * Moves finished exports from the staging folder into their output folders as one unit: every
 * target is checked first, each file lands atomically, and if anything fails part-way the files
 * this call created are removed again, so the user never finds half an export.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import type { ExportFormat } from '../../shared/export/schemas';
import { writeFileSet } from './files';
import { existingTargets } from './paths';

export interface StagedExport {
  format: ExportFormat;
  /** Staging folder holding the complete export (model files, then the card). */
  staged: string;
  /** File names in write order: model files with the pointing file (model.json) after its shards, card last. */
  names: string[];
  dir: string;
}

export function refuseExisting(targets: { dir: string; format: ExportFormat }[]): void {
  const existing = targets.flatMap((t) => existingTargets(t.dir, t.format));
  if (existing.length) {
    throw new StudioError({
      code: 'bad-input',
      file: existing[0],
      what: `${existing.length} file(s) of this export already exist and were not replaced`,
      hint: 'Choose another output folder, or confirm overwriting (CLI: --force)',
    });
  }
}

export async function placeExports(items: StagedExport[], overwrite: boolean): Promise<void> {
  if (!overwrite) refuseExisting(items);
  const created: string[] = [];
  try {
    for (const it of items) {
      const stale = overwrite ? existingTargets(it.dir, it.format) : [];
      const before = new Set(it.names.filter((n) => fs.existsSync(path.join(it.dir, n))));
      const files = await Promise.all(it.names.map(async (name) => ({ name, data: new Uint8Array(await fsp.readFile(path.join(it.staged, name))) })));
      try {
        await writeFileSet(it.dir, files, { overwrite });
      } finally {
        // writeFileSet cleans up after itself only without overwrite; record what is ours either way.
        for (const n of it.names) if (!before.has(n) && fs.existsSync(path.join(it.dir, n))) created.push(path.join(it.dir, n));
      }
      // Shards of an older export with a different shard count would sit beside the new model.json.
      for (const f of stale) if (!it.names.includes(path.basename(f))) await fsp.rm(f, { force: true });
    }
  } catch (e) {
    await Promise.all(created.map((f) => fsp.rm(f, { force: true })));
    throw e;
  }
}
