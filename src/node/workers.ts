/**
 * The one place that knows where worker entry points live, for every worker in the studio: job
 * processes (src/node/jobs/host.ts) and the gradient shard threads (startWorker below).
 *
 * Built app: electron-vite turns src/worker/<name>.worker.ts into out/main/<name>.worker.js,
 * while this module ends up in out/main/*.js or out/main/chunks/*.js.
 * From sources (vitest, tsx, `npm run bench`): the .ts file, through tsx.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { StudioError } from '../shared/errors';

/** True when running from the .ts sources (vitest, tsx), false in the built app. */
const fromSources = fileURLToPath(import.meta.url).endsWith('.ts');

/** File URL of a worker entry: out/main/<name>.worker.js when built, src/worker/<name>.worker.ts from sources. */
export function workerUrl(name: string): URL {
  if (!/^[a-z0-9-]+$/.test(name)) {
    throw new StudioError({ code: 'internal', what: `Invalid worker name "${name}"`, hint: 'Use the file name without .worker.ts' });
  }
  if (fromSources) return new URL(`../worker/${name}.worker.ts`, import.meta.url);
  for (const rel of [`./${name}.worker.js`, `../${name}.worker.js`]) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new StudioError({
    code: 'not-found',
    what: `Worker "${name}" is missing from the build (${name}.worker.js next to ${fileURLToPath(import.meta.url)})`,
    hint: 'Rebuild the app (npm run build).',
  });
}

/**
 * Start a worker by name; `workerData` must be structured-cloneable (SharedArrayBuffers are shared).
 * From sources the entry is TypeScript. Node 20 does not apply ESM loader hooks (`--import tsx`)
 * inside worker threads, but tsx's require hook works there: a one-line eval entry installs it
 * and requires the .ts file (transpiled to CommonJS, so worker-side modules must avoid top-level await).
 */
export function startWorker(name: string, workerData: unknown, options: Omit<WorkerOptions, 'workerData' | 'eval'> = {}): Worker {
  const url = workerUrl(name);
  if (!fromSources) return new Worker(url, { ...options, workerData });
  const hook = createRequire(import.meta.url).resolve('tsx/cjs');
  const entry = `require(${JSON.stringify(hook)}); require(${JSON.stringify(fileURLToPath(url))});`;
  return new Worker(entry, { ...options, workerData, eval: true });
}

/** The part of a helper process that its host uses (the shape of a worker thread). */
export interface JobWorker {
  postMessage(message: unknown): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages are structured clones; each host narrows the ones it reads
  on(event: 'message', listener: (message: any) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  terminate(): Promise<number>;
  /** Lets the host process exit while this worker idles (long-lived helpers such as the data reader). */
  unref?(): void;
}

/** First message a helper process receives: its workerData. */
export const PROCESS_INIT = '__var-studio-init';

/**
 * Forks src/worker/<name>.worker.ts as a child process with an IPC channel (structured clone),
 * through tsx from sources. The one place a studio process is forked: jobs (src/node/jobs/host.ts)
 * and the long-lived data reader (startWorkerProcess) both start here.
 */
export function forkWorker(name: string): ChildProcess {
  const file = fileURLToPath(workerUrl(name));
  const execArgv = fromSources ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return fork(file, [], { serialization: 'advanced', execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * A long-lived helper process that answers requests (the data reader, src/node/data/remote.ts),
 * with the Worker-like shape its host uses. Jobs (one input, progress, one answer) use
 * src/node/jobs/host.ts instead.
 */
export function startWorkerProcess(name: string, workerData: unknown): JobWorker {
  const child = forkWorker(name);
  child.send({ type: PROCESS_INIT, data: workerData });
  const events = new EventEmitter();
  let exitCode: number | undefined;
  child.on('message', (m) => events.emit('message', m));
  child.on('error', (e) => events.emit('error', e));
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? 1 : 0);
    events.emit('exit', exitCode);
  });
  const worker: JobWorker = {
    postMessage: (m) => {
      if (child.connected) child.send(m as object);
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- forwards any EventEmitter listener
    on: (event: string, listener: (...args: any[]) => void) => {
      events.on(event, listener);
      return worker;
    },
    terminate: () =>
      new Promise<number>((resolve) => {
        if (exitCode !== undefined) return resolve(exitCode);
        events.once('exit', resolve);
        child.kill('SIGKILL');
      }),
    unref: () => {
      child.unref();
      (child.channel as { unref?: () => void } | undefined)?.unref?.();
    },
  };
  return worker;
}
