/**
 * Runs export jobs and previews in a child process (src/worker/export.worker.ts), so pruning,
 * scoring and latency timing never block the studio.
 */
import type { ExportResult } from '../../shared/export/schemas';
import type { IProgress } from '../../shared/progress';
import { startJobProcess, type JobProcess } from '../jobs/host';
import * as path from 'node:path';
import type { ExportJobProgress, ExportJobRequest } from './job';
import { exportTargets } from './paths';
import { recoverStaging } from './staging';
import type { ExportPreview } from './preview';

/** Input of src/worker/export.worker.ts. */
export type ExportWorkerData =
  { kind: 'run'; request: ExportJobRequest } | { kind: 'preview'; request: Omit<ExportJobRequest, 'overwrite'> };

const crashHint = 'Nothing was written; try again, and report the message if it repeats';

/**
 * `done` rejects with the job's StudioError (`cancelled` after cancel(); nothing is left in the
 * output folders). When the process dies (kill -9, crash, terminate) a placement it cut short is
 * undone here at once, so the output folders hold the previous export, not a mix.
 */
export function startExport(request: ExportJobRequest, progress?: IProgress<ExportJobProgress>): JobProcess<ExportResult> {
  const parents = [...new Set(exportTargets(request).map((t) => path.dirname(t.dir)))];
  return startJobProcess<ExportWorkerData, ExportJobProgress, ExportResult>({
    worker: 'export',
    data: { kind: 'run', request },
    label: 'export',
    crashHint,
    ...(progress ? { progress } : {}),
    recover: async (error) => {
      for (const p of parents) await recoverStaging(p).catch(() => undefined);
      throw error;
    },
  });
}

export function startPreview(request: Omit<ExportJobRequest, 'overwrite'>): JobProcess<ExportPreview> {
  return startJobProcess<ExportWorkerData, never, ExportPreview>({
    worker: 'export',
    data: { kind: 'preview', request },
    label: 'export preview',
    crashHint,
  });
}
