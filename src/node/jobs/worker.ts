/**
 * The job side of every studio job (train, sweep, export, flatness) in its child process; the
 * host side is src/node/jobs/host.ts. It waits for its input, runs the job with an AbortSignal
 * (cancel) and an IProgress (posted to the host), posts the result or a StudioError, then
 * disconnects so the process exits once the last message is flushed (tfjs may hold handles open).
 * When the studio goes away first, the job process exits at once.
 */
import { isStudioError, type StudioErrorInfo } from '../../shared/errors';
import type { IProgress } from '../../shared/progress';
import type { FromJob, ToJob } from './protocol';

export interface JobContext<D, P> {
  data: D;
  signal: AbortSignal;
  progress: IProgress<P>;
}

/** Runs `job` in this child process. `failure` words an unexpected (non-Studio) error for the user. */
export function serveJob<D, P, R>(job: (ctx: JobContext<D, P>) => Promise<R>, failure: { what: string; hint: string }): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('This module must run in a job process (see src/node/jobs/host.ts)');
  const post = (m: FromJob<P, R>) => void send(m);
  const controller = new AbortController();
  const run = async (data: D) => {
    try {
      post({ type: 'done', result: await job({ data, signal: controller.signal, progress: { report: (value) => post({ type: 'progress', value }) } }) });
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
  // The studio went away (closed, crashed, killed): stop as a crash would; no orphan keeps writing.
  process.on('disconnect', () => {
    if (!finished) process.exit(1);
  });
  process.on('message', (m: ToJob<D>) => {
    if (m?.type === 'cancel') controller.abort();
    else if (m?.type === 'start' && !started) {
      started = true;
      void run(m.data);
    }
  });
}
