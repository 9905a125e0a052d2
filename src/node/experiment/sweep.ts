/**
 * The sweep stage: one sweep (src/node/sweep, in its own thread) over every run that has no
 * completed sweep of this experiment yet. A re-run after an interruption only scores what is
 * missing.
 */
import type { ExperimentConfig } from '../../shared/experiment/config';
import type { GridCell } from '../../shared/experiment/grid';
import type { SweepImages, SweepRecord } from '../../shared/sweep/result';
import { readSweepImages, readSweepRecord } from '../sweep/files';
import { startSweep } from '../sweep/host';
import type { ExperimentListener } from './events';
import { writeState, type ExperimentPaths, type ExperimentState } from './state';

export interface SweptRun {
  record: SweepRecord;
  images: SweepImages;
}

export interface SweepStageResult {
  swept: Map<string, SweptRun>;
  complete: boolean;
  error?: { code: string; what: string; hint: string };
}

async function readCompleted(runsRoot: string, runId: string, sweepId: string): Promise<SweptRun | undefined> {
  try {
    const record = await readSweepRecord(runsRoot, runId, sweepId);
    if (record.status !== 'completed') return undefined;
    return { record, images: await readSweepImages(runsRoot, runId, sweepId) };
  } catch {
    return undefined;
  }
}

export async function sweepStage(
  cells: GridCell[],
  config: ExperimentConfig,
  state: ExperimentState,
  paths: ExperimentPaths,
  signal: AbortSignal,
  emit: ExperimentListener,
): Promise<SweepStageResult> {
  const swept = new Map<string, SweptRun>();
  const todo: GridCell[] = [];
  for (const cell of cells) {
    const sweepId = state.sweeps[cell.key];
    const done = sweepId ? await readCompleted(paths.runsRoot, state.runs[cell.key], sweepId) : undefined;
    if (done) swept.set(cell.key, done);
    else todo.push(cell);
  }
  if (todo.length === 0) return { swept, complete: true };
  if (todo.length < cells.length) emit({ type: 'info', message: `${cells.length - todo.length} run(s) already swept; sweeping ${todo.length}` });

  const handle = startSweep(
    todo.map((c) => state.runs[c.key]),
    config.sweep,
    { runsRoot: paths.runsRoot, backend: config.backend, onProgress: (progress) => emit({ type: 'sweep-progress', progress }) },
  );
  const onAbort = () => handle.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  let outcome;
  try {
    outcome = await handle.done;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  for (const cell of todo) {
    const done = await readCompleted(paths.runsRoot, state.runs[cell.key], handle.sweepId);
    if (!done) continue;
    swept.set(cell.key, done);
    state.sweeps[cell.key] = handle.sweepId;
  }
  await writeState(paths.state, state);
  return { swept, complete: outcome.status === 'completed', ...(outcome.error ? { error: outcome.error } : {}) };
}
