/**
 * The host side of every studio job: starts src/worker/<name>.worker.ts in a child process
 * (the job side is src/node/jobs/worker.ts), forwards its progress, and applies ONE exit policy:
 *
 * - the job answers `done` -> `done` resolves with its result;
 * - the job answers `error` (a StudioError, including `cancelled`) -> `done` rejects with it;
 * - the process ends without an answer (crash, out of memory, kill -9, or `terminate()`) ->
 *   `recover(error)` runs (e.g. marks the records failed) and its value resolves `done`; without
 *   `recover`, `done` rejects with that error. The error says which process, and why it ended.
 *
 * A child process rather than a thread: killing a thread while native code runs (onnxruntime-node)
 * can abort the whole studio; killing a child process never touches it.
 */
import { StudioError } from '../../shared/errors';
import type { IProgress } from '../../shared/progress';
import { forkWorker } from '../workers';
import type { FromJob, ToJob } from './protocol';

export interface JobProcessOptions<D, P, R> {
  /** Entry point: src/worker/<worker>.worker.ts (out/main/<worker>.worker.js when built). */
  worker: string;
  /** The job's input; structured-cloneable. */
  data: D;
  /** Names the process in the crash message: "The <label> process crashed". */
  label: string;
  /** What the user can do after a crash (the hint of the crash error). */
  crashHint: string;
  progress?: IProgress<P>;
  /** Runs after the process ended without an answer; its value resolves `done`. */
  recover?: (error: StudioError) => Promise<R>;
}

export interface JobProcess<R> {
  done: Promise<R>;
  /** Graceful: the job sees its AbortSignal and ends with its own `cancelled` answer. */
  cancel(): void;
  /** Hard stop, as a crash would be; resolves once `done` has settled. */
  terminate(): Promise<void>;
}

export function startJobProcess<D, P, R>(options: JobProcessOptions<D, P, R>): JobProcess<R> {
  const child = forkWorker(options.worker);
  const send = (m: ToJob<D>) => {
    if (child.connected) child.send(m);
  };
  send({ type: 'start', data: options.data });

  let answer: FromJob<P, R> | undefined;
  let stoppedByHost = false;
  let ended = false;
  let spawnError: Error | undefined;

  const done = new Promise<R>((resolve, reject) => {
    child.on('message', (m: FromJob<P, R>) => {
      if (m.type !== 'progress') answer ??= m;
      else if (options.progress) {
        // A listener's failure must never take the job (or the studio) down.
        try {
          options.progress.report(m.value);
        } catch (e) {
          console.error(e);
        }
      }
    });
    child.on('error', (e) => (spawnError = e));
    // 'close' comes after the IPC channel closed, so every message of the job has been seen.
    child.on('close', (code, signal) => {
      ended = true;
      if (answer?.type === 'done') return resolve(answer.result);
      if (answer?.type === 'error') return reject(new StudioError(answer.error));
      const why = stoppedByHost
        ? 'was stopped before it finished'
        : `crashed${spawnError ? `: ${spawnError.message}` : signal ? ` (killed by ${signal})` : ` (exit code ${code})`}`;
      const error = new StudioError({ code: 'internal', what: `The ${options.label} process ${why}`, hint: options.crashHint });
      if (!options.recover) return reject(error);
      options.recover(error).then(resolve, () => reject(error));
    });
  });

  return {
    done,
    cancel: () => send({ type: 'cancel' }),
    terminate: async () => {
      if (!ended) {
        stoppedByHost = true;
        child.kill('SIGKILL');
      }
      await done.catch(() => undefined);
    },
  };
}
