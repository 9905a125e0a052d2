/**
 * The training stage: the grid's runs one after the other (the cores are shared), each in a
 * training thread. A run the state already knows is skipped when completed and resumed from
 * its last checkpoint otherwise, so an interrupted experiment continues where it stopped.
 */
import type { GridCell } from '../../shared/experiment/grid';
import type { RunRecord } from '../../shared/run/record';
import { RunStore } from '../runs/store';
import { resumeTraining, startTraining, type TrainHostOptions, type TrainingHandle } from '../train/host';
import type { ExperimentListener } from './events';
import { writeState, type ExperimentPaths, type ExperimentState } from './state';

/** How long a cancelled run may take to reach its next step boundary before its thread is stopped. */
export const CANCEL_GRACE_MS = 3000;

export interface TrainStageResult {
  records: Map<string, RunRecord>;
  /** False when the stage stopped early (cancel or a failed run). */
  complete: boolean;
}

export async function trainStage(cells: GridCell[], state: ExperimentState, paths: ExperimentPaths, signal: AbortSignal, emit: ExperimentListener): Promise<TrainStageResult> {
  const store = new RunStore(paths.runsRoot);
  const records = new Map<string, RunRecord>();
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index];
    const total = cells.length;
    if (signal.aborted) return { records, complete: false };
    const known = state.runs[cell.key];
    const existing = known ? await store.open(known).catch(() => undefined) : undefined;
    if (existing?.status === 'completed') {
      records.set(cell.key, existing);
      emit({ type: 'run-done', index, total, cell, record: existing, skipped: true });
      continue;
    }
    const hooks: TrainHostOptions = {
      runsRoot: paths.runsRoot,
      onProgress: (progress) => emit({ type: 'train-progress', index, total, cell, progress }),
      onEpoch: (e) => emit({ type: 'epoch', index, total, cell, epochs: e.epochs, record: e.record }),
    };
    let handle: TrainingHandle;
    if (existing) {
      handle = resumeTraining(existing.id, hooks);
      emit({ type: 'run-start', index, total, cell, runId: existing.id, resumedAtEpoch: existing.epochs.length });
    } else {
      handle = startTraining(cell.run, hooks);
      state.runs[cell.key] = handle.runId;
      await writeState(paths.state, state);
      emit({ type: 'run-start', index, total, cell, runId: handle.runId, resumedAtEpoch: null });
    }
    // The training thread honours a cancel before its next step. A step that hangs (or a very
    // slow one) is stopped hard after a grace period: the checkpoint (end of the last finished
    // epoch, swapped in atomically) is kept either way.
    let hardStop: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      handle.cancel();
      hardStop = setTimeout(() => void handle.terminate(), CANCEL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let record: RunRecord;
    try {
      record = await handle.done;
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(hardStop);
    }
    records.set(cell.key, record);
    emit({ type: 'run-done', index, total, cell, record, skipped: false });
    if (record.status !== 'completed' || signal.aborted) return { records, complete: false };
  }
  return { records, complete: true };
}
