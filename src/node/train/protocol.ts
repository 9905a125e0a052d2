import type { StudioErrorInfo } from '../../shared/errors';
import type { RunConfigInput } from '../../shared/run/config';
import type { TrainEpochEvent, TrainProgress } from '../../shared/run/events';
import type { RunRecord } from '../../shared/run/record';

/** workerData of src/worker/train.worker.ts. */
export type TrainWorkerData =
  | { kind: 'new'; runsRoot: string; runId: string; config: RunConfigInput }
  | { kind: 'resume'; runsRoot: string; runId: string };

export type ToTrainWorker = { type: 'cancel' };

export type FromTrainWorker =
  | { type: 'started'; record: RunRecord }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'epoch'; event: TrainEpochEvent }
  /** Final record (completed, cancelled or failed with its error). */
  | { type: 'done'; record: RunRecord }
  /** Failure before a run record existed (bad config, no backend). */
  | { type: 'error'; error: StudioErrorInfo };
