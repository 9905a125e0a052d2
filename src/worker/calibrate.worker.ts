/**
 * The pre-flight's time calibration in a worker thread (a few training steps must not block the
 * main process). workerData: a parsed RunConfig. Posts one message, then closes:
 *   { type: 'done', calibration } | { type: 'error', error: StudioErrorInfo }
 */
import { calibrateStep, type Calibration } from '../node/train/calibrate';
import { serveWorkerJob } from '../node/workerJob';
import type { RunConfig } from '../shared/run/config';

serveWorkerJob<RunConfig, { type: 'done'; calibration: Calibration }>(async ({ data }) => ({ type: 'done', calibration: await calibrateStep(data) }), {
  what: 'The time calibration failed',
  hint: 'The run can still start; its progress shows the time left',
});
