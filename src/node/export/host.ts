/**
 * Runs export jobs and previews in a child process (src/worker/export.worker.ts), so pruning,
 * scoring and latency timing never block the main process's event loop.
 */
import { StudioError, type StudioErrorInfo } from '../../shared/errors';
import type { ExportResult } from '../../shared/export/schemas';
import { startWorkerProcess } from '../workers';
import type { ExportJobProgress, ExportJobRequest } from './job';
import type { ExportPreview } from './preview';

export type ExportWorkerData =
  | { kind: 'run'; request: ExportJobRequest }
  | { kind: 'preview'; request: Omit<ExportJobRequest, 'overwrite'> };

export type ToExportWorker = { type: 'cancel' };
export type FromExportWorker =
  | { type: 'progress'; progress: ExportJobProgress }
  | { type: 'done'; result: ExportResult | ExportPreview }
  | { type: 'error'; error: StudioErrorInfo };

export interface ExportHandle<T> {
  done: Promise<T>;
  /** Stops at the next step; nothing is left in the output folders. */
  cancel(): void;
}

function host<T>(data: ExportWorkerData, onProgress?: (p: ExportJobProgress) => void): ExportHandle<T> {
  const worker = startWorkerProcess('export', data);
  let result: T | undefined;
  let error: StudioError | undefined;
  const done = new Promise<T>((resolve, reject) => {
    let crash: Error | undefined;
    worker.on('message', (m: FromExportWorker) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'done') result = m.result as T;
      else error = new StudioError(m.error);
    });
    worker.on('error', (e) => (crash = e));
    worker.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(error ?? new StudioError({ code: 'internal', what: `The export process stopped${crash ? `: ${crash.message}` : ` (exit code ${code})`}`, hint: 'Nothing was written; try again, and report the message if it repeats' }));
    });
  });
  return { done, cancel: () => worker.postMessage({ type: 'cancel' } satisfies ToExportWorker) };
}

export function startExport(request: ExportJobRequest, onProgress?: (p: ExportJobProgress) => void): ExportHandle<ExportResult> {
  return host({ kind: 'run', request }, onProgress);
}

export function startPreview(request: Omit<ExportJobRequest, 'overwrite'>): ExportHandle<ExportPreview> {
  return host({ kind: 'preview', request });
}
