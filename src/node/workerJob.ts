/**
 * The worker side of every studio job (train, sweep, export, flatness), in a thread or in a child
 * process (see src/node/workers.ts): it listens for `{ type: 'cancel' }`, runs the job, posts its
 * final message or a StudioError, then closes the channel so the host sees the last message
 * before the worker goes (tfjs may hold handles open).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isStudioError, type StudioErrorInfo } from '../shared/errors';
import { PROCESS_INIT } from './workers';

interface Channel {
  post(message: unknown): void;
  onMessage(listener: (message: { type?: string; data?: unknown }) => void): void;
  close(): void;
}

function threadChannel(): Channel | undefined {
  const port = parentPort;
  if (!port) return undefined;
  return { post: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l), close: () => port.close() };
}

function processChannel(): Channel | undefined {
  const send = process.send?.bind(process);
  if (!send) return undefined;
  return {
    post: (m) => void send(m as object),
    onMessage: (l) => process.on('message', l),
    // Disconnecting lets the process exit once the last message is flushed.
    close: () => process.disconnect?.(),
  };
}

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
  const channel = threadChannel() ?? processChannel();
  if (!channel) throw new Error('This module must run as a worker thread or a forked process (see src/node/workers.ts)');
  const controller = new AbortController();
  const post = (m: M | { type: 'error'; error: StudioErrorInfo }) => channel.post(m);
  const run = async (data: D) => {
    try {
      post(await job({ data, signal: controller.signal, post }));
    } catch (e) {
      const error: StudioErrorInfo = isStudioError(e)
        ? e.toJSON()
        : { code: 'internal', what: `${failure.what}: ${e instanceof Error ? e.message : String(e)}`, hint: failure.hint };
      post({ type: 'error', error });
    }
    channel.close();
  };
  let started = false;
  channel.onMessage((m) => {
    if (m?.type === 'cancel') controller.abort();
    else if (m?.type === PROCESS_INIT && !started) {
      started = true;
      void run(m.data as D);
    }
  });
  // No top-level await: from sources thread entries run as CommonJS through tsx.
  if (parentPort) {
    started = true;
    void run(workerData as D);
  }
}
