/**
 * One cell of the plan: train its run, then sweep it, both in THIS process (the local runner
 * gives every cell a process of its own, src/worker/cell.worker.ts; a cluster task runs
 * `--cell K`). One process per cell rather than three: every process start costs a second or more
 * of CPU (module loading, the wasm backend, JIT warm-up), and the sweep reuses the samples the
 * training prepared. Idempotent and resumable: a completed cell is reported and left alone; an
 * interrupted one continues its run from the last checkpoint and sweeps again. The cell's lock
 * keeps a second process (another array task, a pod restarted early) off the same cell.
 */
import * as os from 'node:os';
import { StudioError, isStudioError } from '../../shared/errors';
import type { CellPhase, CellRecord, Plan, PlannedCell } from '../../shared/experiment/cells';
import { expandGrid } from '../../shared/experiment/grid';
import { parseRunConfig } from '../../shared/run/config';
import type { RunRecord } from '../../shared/run/record';
import { parseSweepConfig } from '../../shared/sweep/config';
import type { SweepOutcome } from '../sweep/protocol';
import { newRunId, RunStore } from '../runs/store';
import { newSweepId, readSweepRecord } from '../sweep/files';
import { runSweep } from '../sweep/job';
import { resumeRun, trainNewRun, type TrainJobOptions } from '../train/job';
import type { ExperimentListener } from './events';
import { acquireCellLock } from './lock';
import { findReusableRun, linkRun } from './reuse';
import { cellLockFile, readCell, sourceRunsRoot, writeCell, type ExperimentPaths } from './state';

export interface CellOptions {
  signal?: AbortSignal;
  onEvent?: ExperimentListener;
}

/** The plan entry for `--cell K`: K is the index (array task id) or the cell's key. */
export function findCell(plan: Plan, which: string | number): PlannedCell {
  const byIndex = typeof which === 'number' || /^\d+$/.test(which) ? plan.cells[Number(which)] : undefined;
  const cell = byIndex ?? plan.cells.find((c) => c.key === which);
  if (!cell) {
    throw new StudioError({
      code: 'bad-input',
      what: `The plan has no cell "${which}"`,
      hint: `Use an index from 0 to ${plan.cells.length - 1} or a key (${plan.cells
        .slice(0, 3)
        .map((c) => c.key)
        .join(', ')}${plan.cells.length > 3 ? ', ...' : ''})`,
    });
  }
  return cell;
}

const phase = (start: Date): CellPhase => ({
  startedAt: start.toISOString(),
  finishedAt: new Date().toISOString(),
  seconds: (Date.now() - start.getTime()) / 1000,
});

async function completedSweep(paths: ExperimentPaths, runId: string | undefined, sweepId: string | undefined): Promise<boolean> {
  if (!runId || !sweepId) return false;
  const r = await readSweepRecord(paths.runsRoot, runId, sweepId).catch(() => undefined);
  return r?.status === 'completed';
}

/** A cell whose record says completed and whose sweep record agrees. */
export async function isCellComplete(paths: ExperimentPaths, record: CellRecord): Promise<boolean> {
  return record.status === 'completed' && (await completedSweep(paths, record.runId, record.sweepId));
}

export async function runCell(paths: ExperimentPaths, plan: Plan, which: string | number, opts: CellOptions = {}): Promise<CellRecord> {
  const signal = opts.signal ?? new AbortController().signal;
  const emit: ExperimentListener = opts.onEvent ?? (() => {});
  const cell = findCell(plan, which);
  const total = plan.cells.length;
  const grid = expandGrid(plan.config).find((c) => c.key === cell.key)!;
  const lock = await acquireCellLock(cellLockFile(paths, cell.key), `${cell.index} (${cell.key})`);
  try {
    const before = await readCell(paths, cell.key);
    if (before && (await isCellComplete(paths, before))) {
      emit({ type: 'cell-done', total, cell, record: before, skipped: true });
      return before;
    }
    const record: CellRecord = {
      version: 1,
      key: cell.key,
      index: cell.index,
      status: 'training',
      ...(before?.runId ? { runId: before.runId } : {}),
      host: os.hostname(),
      pid: process.pid,
      updatedAt: '',
      ...(before?.train ? { train: before.train } : {}),
      ...(before?.reusedFrom ? { reusedFrom: before.reusedFrom } : {}),
    };
    const finish = async (status: CellRecord['status'], error?: CellRecord['error']) => {
      record.status = status;
      if (error) record.error = error;
      else delete record.error;
      await writeCell(paths, record);
      emit({ type: 'cell-done', total, cell, record, skipped: false });
      return record;
    };

    // Take the run from the folder the plan reuses runs from, when one trained the same.
    if (!record.runId && plan.reuseRunsFrom) {
      const fromRoot = sourceRunsRoot(plan.reuseRunsFrom);
      const found = await findReusableRun(fromRoot, grid.run);
      if (found) {
        await linkRun(fromRoot, found, paths.runsRoot);
        record.runId = found.id;
        record.reusedFrom = new RunStore(fromRoot).paths(found.id).dir;
        await writeCell(paths, record);
        emit({
          type: 'info',
          message: `Cell ${cell.index + 1}/${total} ${cell.label} seed ${cell.seed}: trained run reused from ${record.reusedFrom}`,
        });
      } else {
        emit({
          type: 'info',
          message: `Cell ${cell.index + 1}/${total} ${cell.label} seed ${cell.seed}: no completed run with its training config in ${plan.reuseRunsFrom}; training it`,
        });
      }
    }

    // Train (or resume, or reuse a completed run).
    const store = new RunStore(paths.runsRoot);
    const existing = record.runId ? await store.open(record.runId).catch(() => undefined) : undefined;
    let run: RunRecord;
    if (existing?.status === 'completed') {
      run = existing;
      emit({ type: 'run-done', total, cell, record: run, skipped: true });
    } else {
      const started = new Date();
      // Cancel stops the run at its next training step; its last finished epoch stays checkpointed.
      const hooks: TrainJobOptions = {
        runsRoot: paths.runsRoot,
        signal,
        progress: { report: (progress) => emit({ type: 'train-progress', total, cell, progress }) },
        onEpoch: (e) => emit({ type: 'epoch', total, cell, epochs: e.epochs, record: e.record }),
      };
      const runId = existing?.id ?? newRunId(parseRunConfig(grid.run).name);
      record.runId = runId;
      await writeCell(paths, record);
      emit({ type: 'run-start', total, cell, runId, resumedAtEpoch: existing ? existing.epochs.length : null });
      run = existing ? await resumeRun(runId, hooks) : await trainNewRun(grid.run, { ...hooks, runId });
      record.train = phase(started);
      emit({ type: 'run-done', total, cell, record: run, skipped: false });
      if (run.status !== 'completed' || signal.aborted) {
        return finish(
          signal.aborted || run.status === 'cancelled' ? 'cancelled' : 'failed',
          run.error ??
            (signal.aborted ? undefined : { code: 'internal', what: 'The run did not complete', hint: 'Run the cell again to resume it' }),
        );
      }
    }

    // Sweep the run as soon as its training ended.
    record.status = 'sweeping';
    delete record.sweepId;
    await writeCell(paths, record);
    const started = new Date();
    const sweepId = newSweepId();
    const outcome: SweepOutcome = await runSweep({
      runsRoot: paths.runsRoot,
      sweepId,
      runIds: [run.id],
      config: parseSweepConfig(plan.config.sweep),
      ...(plan.config.backend ? { backend: plan.config.backend } : {}),
      signal,
      progress: { report: (progress) => emit({ type: 'sweep-progress', total, cell, progress }) },
    });
    record.sweep = phase(started);
    if (outcome.status !== 'completed' || !(await completedSweep(paths, run.id, sweepId))) {
      return finish(
        signal.aborted || outcome.status === 'cancelled' ? 'cancelled' : 'failed',
        outcome.error ?? outcome.runs[0]?.error ?? { code: 'internal', what: 'The sweep did not complete', hint: 'Run the cell again' },
      );
    }
    record.sweepId = sweepId;
    return finish('completed');
  } catch (e) {
    if (!isStudioError(e)) throw e;
    const failed = await readCell(paths, cell.key).catch(() => undefined);
    await writeCell(paths, {
      ...(failed ?? { version: 1, key: cell.key, index: cell.index, host: os.hostname(), pid: process.pid, updatedAt: '' }),
      status: 'failed',
      error: e.toJSON(),
    }).catch(() => undefined);
    throw e;
  } finally {
    await lock.release();
  }
}
