/** Export jobs and previews off the main thread. Protocol and host: src/node/export/host.ts. */
import type { ExportWorkerData, FromExportWorker } from '../node/export/host';
import { runExportJob } from '../node/export/job';
import { previewExport } from '../node/export/preview';
import { serveWorkerJob } from '../node/workerJob';

serveWorkerJob<ExportWorkerData, FromExportWorker>(
  async ({ data, signal, post }) => ({
    type: 'done',
    result:
      data.kind === 'run'
        ? await runExportJob(data.request, { signal, onProgress: (progress) => post({ type: 'progress', progress }) })
        : await previewExport(data.request),
  }),
  { what: 'The export failed', hint: 'Nothing was written; report the message if it repeats' },
);
