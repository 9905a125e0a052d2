/**
 * The one place that knows where worker entry points live, for every worker in the studio.
 *
 * Built app: electron-vite turns src/worker/<name>.worker.ts into out/main/<name>.worker.js,
 * while this module ends up in out/main/*.js or out/main/chunks/*.js.
 * From sources (vitest, tsx, `npm run bench`): the .ts file, through tsx.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { StudioError } from '../shared/errors';

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
