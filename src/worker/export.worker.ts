/** Export jobs and previews off the main thread. Protocol and host: src/node/exportjob/host.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { isStudioError } from '../shared/errors';
import type { ExportWorkerData, FromExportWorker, ToExportWorker } from '../node/exportjob/host';
import { runExportJob } from '../node/exportjob/job';
import { previewExport } from '../node/exportjob/preview';

const port = parentPort!;
const data = workerData as ExportWorkerData;
const controller = new AbortController();
const post = (m: FromExportWorker) => port.postMessage(m);

port.on('message', (m: ToExportWorker) => {
  if (m.type === 'cancel') controller.abort();
});

// No top-level await: from sources this entry runs as CommonJS through tsx (see src/node/workers.ts).
async function main(): Promise<void> {
  try {
    const result =
      data.kind === 'run'
        ? await runExportJob(data.request, { signal: controller.signal, onProgress: (progress) => post({ type: 'progress', progress }) })
        : await previewExport(data.request);
    post({ type: 'done', result });
  } catch (e) {
    post({ type: 'error', error: isStudioError(e) ? e.toJSON() : { code: 'internal', what: `The export failed: ${e instanceof Error ? e.message : String(e)}`, hint: 'Nothing was written; report the message if it repeats' } });
  }
  port.close();
}

void main();
