/**
 * `runExperiment`: expand the grid, train the runs, sweep them, write results.json and
 * report.html into the output folder. Everything lives in that folder (runs under `runs/`),
 * so re-running with the same folder resumes: completed runs and sweeps are reused,
 * interrupted runs continue from their last checkpoint.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import type { ExperimentConfig } from '../../shared/experiment/config';
import { expandGrid } from '../../shared/experiment/grid';
import type { Results, Stage } from '../../shared/experiment/results';
import type { RunRecord } from '../../shared/run/record';
import { writeFileAtomic } from '../fs/atomic';
import { renderReport } from '../report/html';
import type { ExperimentListener } from './events';
import { buildResults } from './results';
import { experimentPaths, findUnfinished, readState, sameConfig, writeState, type ExperimentPaths, type ExperimentState } from './state';
import { sweepStage } from './sweep';
import { trainStage } from './train';

export interface ExperimentOptions {
  /** Output folder; default: an unfinished run of the same config under `outParent`, else a new timestamped folder there. */
  out?: string;
  /** Default `./var-studio-output`. */
  outParent?: string;
  /** Never resume an unfinished folder found under outParent. */
  fresh?: boolean;
  preset?: string;
  signal?: AbortSignal;
  onEvent?: ExperimentListener;
  /** Interpretation paragraphs for the report. */
  notes?: string[];
}

export interface ExperimentOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  paths: ExperimentPaths;
  resumed: boolean;
  results?: Results;
  error?: ErrorInfo;
}

type ErrorInfo = NonNullable<ExperimentState['error']>;

export const DEFAULT_OUT_PARENT = 'var-studio-output';

function stamp(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

async function chooseOut(config: ExperimentConfig, opts: ExperimentOptions): Promise<string> {
  if (opts.out) return path.resolve(opts.out);
  const parent = path.resolve(opts.outParent ?? DEFAULT_OUT_PARENT);
  if (!opts.fresh) {
    const unfinished = await findUnfinished(parent, config);
    if (unfinished) return unfinished;
  }
  return path.join(parent, `${config.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${stamp()}`);
}

async function openState(paths: ExperimentPaths, config: ExperimentConfig, preset: string | undefined): Promise<{ state: ExperimentState; resumed: boolean }> {
  const existing = await readState(paths.state);
  if (existing) {
    if (!sameConfig(existing.config, config)) {
      throw new StudioError({
        code: 'bad-input',
        file: paths.state,
        what: `The folder holds a different experiment ("${existing.name}" with other settings)`,
        hint: 'Use another --out folder, or the same config to resume this one',
      });
    }
    existing.status = 'running';
    delete existing.error;
    return { state: existing, resumed: true };
  }
  if (fs.existsSync(paths.out) && (await fsp.readdir(paths.out)).length > 0) {
    throw new StudioError({ code: 'bad-input', file: paths.out, what: 'The output folder is not empty and holds no experiment', hint: 'Choose an empty or new folder for --out' });
  }
  const now = new Date().toISOString();
  return {
    state: { version: 1, name: config.name, ...(preset ? { preset } : {}), config, status: 'running', createdAt: now, updatedAt: now, runs: {}, sweeps: {} },
    resumed: false,
  };
}

const stopped = (records: Iterable<RunRecord>, signal: AbortSignal) => signal.aborted || [...records].some((r) => r.status === 'cancelled');

export async function runExperiment(config: ExperimentConfig, opts: ExperimentOptions = {}): Promise<ExperimentOutcome> {
  const signal = opts.signal ?? new AbortController().signal;
  const emit: ExperimentListener = opts.onEvent ?? (() => {});
  const t0 = performance.now();
  const paths = experimentPaths(await chooseOut(config, opts));
  const { state, resumed } = await openState(paths, config, opts.preset);
  await fsp.mkdir(paths.runsRoot, { recursive: true });
  await writeState(paths.state, state);
  const cells = expandGrid(config);
  emit({ type: 'info', message: resumed ? `Resuming the experiment in ${paths.out} (finished runs and sweeps are reused)` : `Output folder: ${paths.out}` });

  const end = async (status: 'cancelled' | 'failed', error?: ErrorInfo): Promise<ExperimentOutcome> => {
    state.status = status;
    if (error) state.error = error;
    await writeState(paths.state, state);
    return { status, paths, resumed, ...(error ? { error } : {}) };
  };

  emit({ type: 'stage', stage: 'train', message: `Training ${cells.length} run(s) into ${paths.runsRoot}` });
  const trained = await trainStage(cells, state, paths, signal, emit);
  if (!trained.complete) {
    if (stopped(trained.records.values(), signal)) return end('cancelled');
    const failed = [...trained.records.values()].find((r) => r.status === 'failed');
    return end('failed', failed?.error ?? { code: 'internal', what: 'A run did not complete', hint: 'Re-run to resume it' });
  }
  const trainSeconds = [...trained.records.values()].reduce((a, r) => a + r.timings.totalSeconds, 0);

  emit({ type: 'stage', stage: 'sweep', message: `Pruning and scoring ${cells.length} run(s) at ${config.sweep.levels.length} levels` });
  const tSweep = performance.now();
  const swept = await sweepStage(cells, config, state, paths, signal, emit);
  if (!swept.complete) return signal.aborted ? end('cancelled') : end('failed', swept.error);
  const sweepRecords = [...swept.swept.values()].map((s) => s.record);
  const sweepWall = (performance.now() - tSweep) / 1000;
  const sweepSeconds = sweepWall > 1 ? sweepWall : sweepRecords.reduce((a, r) => a + r.seconds, 0);

  emit({ type: 'stage', stage: 'report', message: 'Writing results.json and report.html' });
  const tReport = performance.now();
  const trainBackend = [...trained.records.values()][0]?.backend.name ?? 'none';
  const sweepBackend = `${sweepRecords[0]?.backend ?? trainBackend}${config.sweep.scorer === 'onnx' ? ' + onnxruntime-node' : ''}`;
  const stages = (reportSeconds: number): Stage[] => [
    { stage: 'train', backend: trainBackend, seconds: trainSeconds },
    { stage: 'sweep', backend: sweepBackend, seconds: sweepSeconds },
    { stage: 'report', backend: 'node (no tfjs)', seconds: reportSeconds },
  ];
  const resultsInput = { config, ...(opts.preset ? { preset: opts.preset } : {}), status: 'completed' as const, createdAt: state.createdAt, cells, records: trained.records, swept: swept.swept };
  const recordsById = new Map([...trained.records.values()].map((r) => [r.id, r]));
  const sweepsById = new Map([...swept.swept.entries()].map(([key, s]) => [state.runs[key], s]));
  // Render once to time it, then again with the measured time in the tables (rendering is cheap).
  const draft = buildResults({ ...resultsInput, stages: stages(0), totalSeconds: 0 });
  renderReport({ results: draft, records: recordsById, sweeps: sweepsById, notes: opts.notes });
  const reportSeconds = (performance.now() - tReport) / 1000;
  // A resumed experiment's wall time spans sessions: count the stages (training sums every session).
  const totalSeconds = resumed ? trainSeconds + sweepSeconds + reportSeconds : (performance.now() - t0) / 1000;
  const results = buildResults({ ...resultsInput, stages: stages(reportSeconds), totalSeconds });
  const html = renderReport({ results, records: recordsById, sweeps: sweepsById, notes: opts.notes });
  await writeFileAtomic(paths.results, JSON.stringify(results, null, 1), { overwrite: true });
  await writeFileAtomic(paths.report, html, { overwrite: true });
  state.status = 'completed';
  await writeState(paths.state, state);
  return { status: 'completed', paths, resumed, results };
}
