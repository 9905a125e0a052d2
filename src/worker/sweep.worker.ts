/**
 * Sweeps in a child process: pruning and scoring never block the studio, and a crash here
 * (onnxruntime included) leaves it running. Protocol in src/node/sweep/protocol.ts; host in
 * src/node/sweep/host.ts.
 */
import { serveJob } from '../node/jobs/worker';
import { runSweep } from '../node/sweep/job';
import type { SweepOutcome, SweepProgress, SweepWorkerData } from '../node/sweep/protocol';

serveJob<SweepWorkerData, SweepProgress, SweepOutcome>(({ data, signal, progress }) => runSweep({ ...data, signal, progress }), {
  what: 'The sweep could not start',
  hint: 'Check the sweep settings',
});
