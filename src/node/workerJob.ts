/**
 * The worker side of every studio job thread (train, sweep, export, flatness): it listens for
 * `{ type: 'cancel' }`, runs the job, posts its final message or a StudioError, then closes the
 * port so the host sees the last message before the thread goes (tfjs may hold handles open).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isStudioError, type StudioErrorInfo } from '../shared/errors';

export interface WorkerJobContext<D, M> {
  data: D;
  signal: AbortSignal;
  post(message: M): void;
}

/** Runs `job` in this worker thread. `failure` words an unexpected (non-Studio) error for the user. */
export function serveWorkerJob<D, M>(
  job: (ctx: WorkerJobContext<D, M>) => Promise<M>,
  failure: { what: string; hint: string },
): void {
  const port = parentPort;
  if (!port) throw new Error('This module must run as a worker thread (see src/node/workers.ts)');
  const controller = new AbortController();
  const post = (m: M | { type: 'error'; error: StudioErrorInfo }) => port.postMessage(m);
  port.on('message', (m: { type?: string }) => {
    if (m?.type === 'cancel') controller.abort();
  });
  // No top-level await: from sources worker entries run as CommonJS through tsx.
  void (async () => {
    try {
      post(await job({ data: workerData as D, signal: controller.signal, post }));
    } catch (e) {
      const error: StudioErrorInfo = isStudioError(e)
        ? e.toJSON()
        : { code: 'internal', what: `${failure.what}: ${e instanceof Error ? e.message : String(e)}`, hint: failure.hint };
      post({ type: 'error', error });
    }
    port.close();
  })();
}
