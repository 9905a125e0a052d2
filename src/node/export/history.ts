/** `<runDir>/exports/index.json`: every export of a run, wherever its files went, for the history list. */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { ExportIndexEntrySchema, type ExportIndexEntry } from '../../shared/export/schemas';
import { writeFileAtomic } from '../fs/atomic';
import { CARD_JSON, EXPORTS_DIR } from './paths';

const INDEX = 'index.json';
const IndexSchema = z.object({ version: z.literal(1), exports: z.array(ExportIndexEntrySchema) });

const indexFile = (runDir: string) => path.join(runDir, EXPORTS_DIR, INDEX);

export async function readExportIndex(runDir: string): Promise<ExportIndexEntry[]> {
  try {
    const r = IndexSchema.safeParse(JSON.parse(await fsp.readFile(indexFile(runDir), 'utf8')));
    return r.success ? r.data.exports : [];
  } catch {
    return [];
  }
}

/** Newest first; an entry for the same folder replaces the older one (an overwrite). */
export async function recordExports(runDir: string, entries: ExportIndexEntry[]): Promise<void> {
  const dirs = new Set(entries.map((e) => e.dir));
  const all = [...entries, ...(await readExportIndex(runDir)).filter((e) => !dirs.has(e.dir))].slice(0, 500);
  await fsp.mkdir(path.join(runDir, EXPORTS_DIR), { recursive: true });
  await writeFileAtomic(indexFile(runDir), JSON.stringify({ version: 1, exports: all }, null, 1), { overwrite: true });
}

export async function listExports(runDir: string): Promise<(ExportIndexEntry & { present: boolean })[]> {
  return (await readExportIndex(runDir)).map((e) => ({ ...e, present: fs.existsSync(path.join(e.dir, CARD_JSON)) }));
}
