import type { GridCell } from '../../shared/experiment/grid';
import type { TrainProgress } from '../../shared/run/events';
import type { EpochRecord, RunRecord } from '../../shared/run/record';
import type { SweepProgress } from '../sweep/protocol';

/** What the orchestration tells its caller (the CLI draws progress bars from these). */
export type ExperimentEvent =
  | { type: 'stage'; stage: 'train' | 'sweep' | 'report'; message: string }
  | { type: 'info'; message: string }
  | { type: 'run-start'; index: number; total: number; cell: GridCell; runId: string; resumedAtEpoch: number | null }
  | { type: 'train-progress'; index: number; total: number; cell: GridCell; progress: TrainProgress }
  | { type: 'epoch'; index: number; total: number; cell: GridCell; epochs: number; record: EpochRecord }
  | { type: 'run-done'; index: number; total: number; cell: GridCell; record: RunRecord; skipped: boolean }
  | { type: 'sweep-progress'; progress: SweepProgress };

export type ExperimentListener = (e: ExperimentEvent) => void;
