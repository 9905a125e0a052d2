import type { StudioErrorInfo } from '../../shared/errors';
import type { CellRecord } from '../../shared/experiment/cells';
import type { ExperimentEvent } from './events';

/** workerData of src/worker/cell.worker.ts. */
export interface CellWorkerData {
  out: string;
  key: string;
}

export type ToCellWorker = { type: 'cancel' };

export type FromCellWorker =
  | { type: 'event'; event: ExperimentEvent }
  | { type: 'done'; record: CellRecord }
  | { type: 'error'; error: StudioErrorInfo };
