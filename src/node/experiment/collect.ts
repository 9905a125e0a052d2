/**
 * `--collect`: merge every finished cell of the folder into results.json and report.html (the
 * results and report builders do the statistics), and say which cells are missing or failed.
 * Reads only; the two output files are replaced atomically. Safe to run while cells still
 * run (their numbers join at the next collect).
 */
import type { CellPhase, CellRecord, Plan } from '../../shared/experiment/cells';
import { expandGrid, type GridCell } from '../../shared/experiment/grid';
import type { MissingCell, Results, Stage } from '../../shared/experiment/results';
import type { RunRecord } from '../../shared/run/record';
import type { SweepImages, SweepRecord } from '../../shared/sweep/result';
import * as path from 'node:path';
import { perCaseCsv } from '../../shared/sweep/csv';
import { writeFileAtomic } from '../fs/atomic';
import { renderReport } from '../report/html';
import { RunStore } from '../runs/store';
import { readSweepImages, readSweepRecord } from '../sweep/files';
import { buildResults } from './results';
import { readCell, requirePlan, type ExperimentPaths } from './state';
import { backendLabel } from '../../shared/backend';

/** Beside results.json: one row per run x level x case. */
export const PER_CASE_CSV = 'per-case.csv';

export interface SweptRun {
  record: SweepRecord;
  images: SweepImages;
}

export interface CollectOutcome {
  results: Results;
  /** Cells not in the results, in plan order. */
  missing: MissingCell[];
}

interface Finished {
  cell: GridCell;
  record: CellRecord;
  run: RunRecord;
  swept: SweptRun;
}

async function finishedCell(paths: ExperimentPaths, cell: GridCell, record: CellRecord | undefined): Promise<Finished | string> {
  if (!record) return 'not started';
  if (record.status !== 'completed' || !record.runId || !record.sweepId)
    return record.error?.what ?? `${record.status} on ${record.host} (pid ${record.pid}), last update ${record.updatedAt}`;
  try {
    const run = await new RunStore(paths.runsRoot).open(record.runId);
    const sweep = await readSweepRecord(paths.runsRoot, record.runId, record.sweepId);
    if (run.status !== 'completed' || sweep.status !== 'completed') return `its run or sweep is ${run.status}/${sweep.status}`;
    return { cell, record, run, swept: { record: sweep, images: await readSweepImages(paths.runsRoot, record.runId, record.sweepId) } };
  } catch (e) {
    return `its files cannot be read (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Wall span, summed time and peak overlap of one phase over the cells. */
export function phaseStats(phases: CellPhase[]): { seconds: number; cellSeconds: number; cellsAtOnce: number } {
  if (phases.length === 0) return { seconds: 0, cellSeconds: 0, cellsAtOnce: 0 };
  const spans = phases.map((p) => [Date.parse(p.finishedAt) - p.seconds * 1000, Date.parse(p.finishedAt)] as const);
  const points = spans.flatMap(([a, b]) => [[a, 1] as const, [b, -1] as const]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of points) peak = Math.max(peak, (now += d));
  const start = Math.min(...spans.map((s) => s[0]));
  const end = Math.max(...spans.map((s) => s[1]));
  return { seconds: (end - start) / 1000, cellSeconds: phases.reduce((a, p) => a + p.seconds, 0), cellsAtOnce: peak };
}

export interface CollectOptions {
  /** Wall time of the whole experiment when one process ran it (a local run); default: the cells' span plus collecting. */
  totalSeconds?: number;
}

export async function collectExperiment(paths: ExperimentPaths, opts: CollectOptions = {}): Promise<CollectOutcome> {
  const t0 = performance.now();
  const plan: Plan = await requirePlan(paths);
  const grid = expandGrid(plan.config);
  const finished: Finished[] = [];
  const missing: MissingCell[] = [];
  for (const planned of plan.cells) {
    const record = await readCell(paths, planned.key).catch(() => undefined);
    const got = await finishedCell(paths, grid[planned.index], record);
    if (typeof got !== 'string') finished.push(got);
    else
      missing.push({
        index: planned.index,
        key: planned.key,
        label: planned.label,
        seed: planned.seed,
        status: record?.status ?? 'missing',
        what: got,
      } as MissingCell);
  }

  const trainBackend = finished[0] ? backendLabel(finished[0].run.backend) : 'none';
  const sweepBackend = `${finished[0]?.swept.record.backend ?? trainBackend}${plan.config.sweep.scorer === 'onnx' ? ' + onnxruntime-node' : ''}`;
  const train = phaseStats(finished.flatMap((f) => (f.record.train ? [f.record.train] : [])));
  const sweep = phaseStats(finished.flatMap((f) => (f.record.sweep ? [f.record.sweep] : [])));
  const all = phaseStats(finished.flatMap((f) => [f.record.train, f.record.sweep].filter((p): p is CellPhase => !!p)));
  const stages = (reportSeconds: number): Stage[] => [
    { stage: 'train', backend: trainBackend, ...train },
    { stage: 'sweep', backend: sweepBackend, ...sweep },
    { stage: 'report', backend: 'node (no tfjs)', seconds: reportSeconds, cellsAtOnce: 1, cellSeconds: reportSeconds },
  ];
  const status: Results['status'] = missing.length === 0 ? 'completed' : 'partial';
  const input = {
    config: plan.config,
    ...(plan.preset ? { preset: plan.preset } : {}),
    status,
    missing,
    createdAt: plan.createdAt,
    cells: finished.map((f) => f.cell),
    records: new Map(finished.map((f) => [f.cell.key, f.run])),
    swept: new Map(finished.map((f) => [f.cell.key, f.swept])),
    reusedFrom: new Map(finished.flatMap((f) => (f.record.reusedFrom ? [[f.cell.key, f.record.reusedFrom] as const] : []))),
  };
  const report = {
    records: new Map(finished.map((f) => [f.run.id, f.run])),
    sweeps: new Map(finished.map((f) => [f.run.id, f.swept])),
  };
  // Render once to time it, then again with the measured time in the tables (rendering is cheap).
  renderReport({ results: buildResults({ ...input, stages: stages(0), totalSeconds: 0 }), ...report });
  const reportSeconds = (performance.now() - t0) / 1000;
  const totalSeconds = opts.totalSeconds ?? all.seconds + reportSeconds;
  const results = buildResults({ ...input, stages: stages(reportSeconds), totalSeconds });
  await writeFileAtomic(paths.results, JSON.stringify(results, null, 1), { overwrite: true });
  const rows = finished.map((f) => ({
    run: {
      runId: f.run.id,
      runName: f.run.config.name,
      method: f.cell.method,
      varLambda: f.cell.varLambda,
      seed: f.cell.seed,
      cell: f.cell.key,
      group: f.cell.label,
    },
    sweep: f.swept.record,
  }));
  await writeFileAtomic(path.join(path.dirname(paths.results), PER_CASE_CSV), perCaseCsv(rows), { overwrite: true });
  await writeFileAtomic(paths.report, renderReport({ results, ...report }), { overwrite: true });
  return { results, missing };
}
