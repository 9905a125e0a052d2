import type { RunConfigInput } from '../../shared/run/config';
import type { TrainEpochEvent, TrainProgress } from '../../shared/run/events';
import type { RunRecord } from '../../shared/run/record';

/** Input of src/worker/train.worker.ts. */
export type TrainWorkerData =
  { kind: 'new'; runsRoot: string; runId: string; config: RunConfigInput } | { kind: 'resume'; runsRoot: string; runId: string };

/** What a training job reports while it runs: step progress, and each finished epoch. */
export type TrainUpdate = { type: 'step'; progress: TrainProgress } | { type: 'epoch'; event: TrainEpochEvent };

/** The final record: completed, cancelled, or failed with its error. */
export type TrainResult = RunRecord;
