/** Export jobs and previews in a child process. Host: src/node/export/host.ts. */
import type { ExportResult } from '../shared/export/schemas';
import type { ExportWorkerData } from '../node/export/host';
import { runExportJob, type ExportJobProgress } from '../node/export/job';
import { previewExport, type ExportPreview } from '../node/export/preview';
import { serveJob } from '../node/jobs/worker';

serveJob<ExportWorkerData, ExportJobProgress, ExportResult | ExportPreview>(
  async ({ data, signal, progress }) =>
    data.kind === 'run' ? runExportJob(data.request, { signal, progress }) : previewExport(data.request),
  { what: 'The export failed', hint: 'Nothing was written; report the message if it repeats' },
);
