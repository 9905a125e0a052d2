/**
 * The job side of every studio job (train, sweep, export, flatness) in its child process; the
 * host side is src/node/jobs/host.ts. It waits for its input, runs the job with an AbortSignal
 * (cancel) and an IProgress (posted to the host), posts the result or a StudioError, then
 * disconnects so the process exits once the last message is flushed (tfjs may hold handles open).
 * When the host goes away first, the job is cancelled (and the process ends after a grace period).
 */
import { isStudioError, type StudioErrorInfo } from '../../shared/errors';
import type { IProgress } from '../../shared/progress';
import type { FromJob, ToJob } from './protocol';

/** How long a job whose host went away may take to stop at its next step. */
const ORPHAN_GRACE_MS = 30_000;

export interface JobContext<D, P> {
  data: D;
  signal: AbortSignal;
  progress: IProgress<P>;
}

/** Runs `job` in this child process. `failure` words an unexpected (non-Studio) error for the user. */
export function serveJob<D, P, R>(job: (ctx: JobContext<D, P>) => Promise<R>, failure: { what: string; hint: string }): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('This module must run in a job process (see src/node/jobs/host.ts)');
  // After the host went away there is no one to report to.
  const post = (m: FromJob<P, R>) => void (process.connected && send(m));
  const controller = new AbortController();
  const run = async (data: D) => {
    try {
      post({
        type: 'done',
        result: await job({ data, signal: controller.signal, progress: { report: (value) => post({ type: 'progress', value }) } }),
      });
    } catch (e) {
      const error: StudioErrorInfo = isStudioError(e)
        ? e.toJSON()
        : { code: 'internal', what: `${failure.what}: ${e instanceof Error ? e.message : String(e)}`, hint: failure.hint };
      post({ type: 'error', error });
    }
    finished = true;
    process.disconnect?.();
  };
  let started = false;
  let finished = false;
  // Ctrl-C in a terminal reaches the whole process group: the host decides (cancel or stop), so
  // this process must not die of it mid-step.
  process.on('SIGINT', () => {});
  // The host went away (closed, crashed, killed): stop at the next step as a cancel would, so the
  // records end consistent; a job that does not stop within the grace period exits as a crash would.
  process.on('disconnect', () => {
    if (finished) return;
    controller.abort();
    setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
  });
  process.on('message', (m: ToJob<D>) => {
    if (m?.type === 'cancel') controller.abort();
    else if (m?.type === 'start' && !started) {
      started = true;
      void run(m.data);
    }
  });
}
