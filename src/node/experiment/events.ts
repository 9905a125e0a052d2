import type { CellRecord, PlannedCell } from '../../shared/experiment/cells';
import type { TrainProgress } from '../../shared/run/events';
import type { EpochRecord, RunRecord } from '../../shared/run/record';
import type { SweepProgress } from '../sweep/protocol';

/**
 * What the orchestration tells its caller (the CLI draws progress from these). Every cell event
 * carries the cell's plan entry; `total` is the number of cells in the plan. Plain data: the
 * events of a cell running in a child process reach the parent as they are.
 */
export type ExperimentEvent =
  | { type: 'stage'; stage: 'plan' | 'cells' | 'collect'; message: string }
  | { type: 'info'; message: string }
  | { type: 'run-start'; total: number; cell: PlannedCell; runId: string; resumedAtEpoch: number | null }
  | { type: 'train-progress'; total: number; cell: PlannedCell; progress: TrainProgress }
  | { type: 'epoch'; total: number; cell: PlannedCell; epochs: number; record: EpochRecord }
  | { type: 'run-done'; total: number; cell: PlannedCell; record: RunRecord; skipped: boolean }
  | { type: 'sweep-progress'; total: number; cell: PlannedCell; progress: SweepProgress }
  | { type: 'cell-done'; total: number; cell: PlannedCell; record: CellRecord; skipped: boolean };

export type ExperimentListener = (e: ExperimentEvent) => void;
