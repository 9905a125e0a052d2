/**
 * The pre-flight's time calibration in a child process (a few training steps must not block the
 * studio). Input: a parsed RunConfig; answer: the Calibration. Host: src/main/services/training/preflight.ts.
 */
import { serveJob } from '../node/jobs/worker';
import { calibrateStep, type Calibration } from '../node/train/calibrate';
import type { RunConfig } from '../shared/run/config';

serveJob<RunConfig, never, Calibration>(({ data }) => calibrateStep(data), {
  what: 'The time calibration failed',
  hint: 'The run can still start; its progress shows the time left',
});
