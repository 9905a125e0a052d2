/**
 * Where a sweep lives on disk: `<runDir>/sweeps/<sweepId>.json` (the SweepRecord) and
 * `<sweepId>.images.json` (8-bit display copies of the scored slices), both written atomically.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StudioError } from '../../shared/errors';
import { SweepImagesSchema, SweepRecordSchema, type SweepImages, type SweepRecord } from '../../shared/sweep/result';
import { ZodError } from 'zod';
import { upgradeSweepRecord } from '../../shared/sweep/legacy';
import { perCaseCsv } from '../../shared/sweep/csv';
import { writeFileAtomic } from '../fs/atomic';
import { RunStore } from '../runs/store';

const SWEEP_ID_RE = /^sw-[A-Za-z0-9-]{1,80}$/;

export function newSweepId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `sw-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function sweepPaths(
  runsRoot: string,
  runId: string,
  sweepId: string,
): { dir: string; record: string; images: string; perCaseCsv: string } {
  if (!SWEEP_ID_RE.test(sweepId)) {
    throw new StudioError({ code: 'bad-input', what: `"${sweepId}" is not a sweep id`, hint: 'Use an id from the sweep list' });
  }
  const dir = path.join(new RunStore(runsRoot).paths(runId).dir, 'sweeps');
  return {
    dir,
    record: path.join(dir, `${sweepId}.json`),
    images: path.join(dir, `${sweepId}.images.json`),
    perCaseCsv: path.join(dir, `${sweepId}.per-case.csv`),
  };
}

/** A run's sweeps folder holds a lock while a sweep writes there: one sweep per run at a time, across processes. */
export const SWEEP_LOCK_HINT = 'Wait for that sweep to finish (or stop it), then start this one';

export function sweepsDir(runsRoot: string, runId: string): string {
  return path.join(new RunStore(runsRoot).paths(runId).dir, 'sweeps');
}

export async function writeSweepRecord(runsRoot: string, record: SweepRecord): Promise<void> {
  const p = sweepPaths(runsRoot, record.runId, record.sweepId);
  await fsp.mkdir(p.dir, { recursive: true });
  const checked = SweepRecordSchema.parse({ ...record, updatedAt: new Date().toISOString() });
  await writeFileAtomic(p.record, JSON.stringify(checked), { overwrite: true });
  // The per-case rows beside the record, for R or a spreadsheet (one row per level x case).
  const run = await new RunStore(runsRoot).open(record.runId).catch(() => undefined);
  const csvRun = {
    runId: record.runId,
    runName: run?.config.name ?? '',
    method: run?.config.optimizer.method ?? '',
    varLambda: run?.config.optimizer.varLambda ?? Number.NaN,
    seed: run?.config.seed ?? Number.NaN,
  };
  await writeFileAtomic(p.perCaseCsv, perCaseCsv([{ run: csvRun, sweep: checked }]), { overwrite: true });
}

export async function writeSweepImages(runsRoot: string, runId: string, sweepId: string, images: SweepImages): Promise<void> {
  const p = sweepPaths(runsRoot, runId, sweepId);
  await fsp.mkdir(p.dir, { recursive: true });
  await writeFileAtomic(p.images, JSON.stringify(images), { overwrite: true });
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    throw new StudioError({
      code: 'not-found',
      file,
      what: `${what} does not exist`,
      hint: 'Pick a sweep from the list, or run the sweep again',
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new StudioError({ code: 'bad-file', file, what: `${what} is not valid JSON`, hint: 'Delete the file and run the sweep again' });
  }
}

export async function readSweepRecord(runsRoot: string, runId: string, sweepId: string): Promise<SweepRecord> {
  const file = sweepPaths(runsRoot, runId, sweepId).record;
  const raw = await readJson(file, `Sweep ${sweepId} of run ${runId}`);
  try {
    return upgradeSweepRecord(raw);
  } catch (e) {
    const issue = e instanceof ZodError ? e.issues[0] : undefined;
    throw new StudioError({
      code: 'bad-file',
      file,
      what: `The sweep record does not match its schema (${issue ? `${issue.path.join('.')}: ${issue.message}` : String(e)})`,
      hint: 'It may come from another studio version; run the sweep again',
    });
  }
}

export async function readSweepImages(runsRoot: string, runId: string, sweepId: string): Promise<SweepImages> {
  const file = sweepPaths(runsRoot, runId, sweepId).images;
  const r = SweepImagesSchema.safeParse(await readJson(file, `The images of sweep ${sweepId}`));
  if (!r.success)
    throw new StudioError({ code: 'bad-file', file, what: 'The sweep images do not match their schema', hint: 'Run the sweep again' });
  return r.data;
}

/** Every readable sweep record of a run, newest first; unreadable files are skipped (listed in `problems`). */
export async function listSweepRecords(runsRoot: string, runId: string): Promise<{ records: SweepRecord[]; problems: string[] }> {
  const dir = path.join(new RunStore(runsRoot).paths(runId).dir, 'sweeps');
  if (!fs.existsSync(dir)) return { records: [], problems: [] };
  const records: SweepRecord[] = [];
  const problems: string[] = [];
  for (const name of await fsp.readdir(dir)) {
    const m = /^(sw-[A-Za-z0-9-]+)\.json$/.exec(name);
    if (!m) continue;
    try {
      records.push(await readSweepRecord(runsRoot, runId, m[1]));
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return { records, problems };
}

/** A sweep whose worker died: every record still 'running' becomes 'failed' with `what`. */
export async function markSweepFailed(runsRoot: string, runIds: string[], sweepId: string, what: string): Promise<void> {
  for (const runId of runIds) {
    let rec: SweepRecord;
    try {
      rec = await readSweepRecord(runsRoot, runId, sweepId);
    } catch {
      continue; // the worker died before this run's record was written: nothing to mark
    }
    if (rec.status !== 'running') continue;
    rec.status = 'failed';
    rec.error = { code: 'internal', what, hint: 'The finished levels are kept; start the sweep again to score the rest' };
    rec.finishedAt = new Date().toISOString();
    await writeSweepRecord(runsRoot, rec);
  }
}
