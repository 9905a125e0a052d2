/** Browser-mode upload: `datasets.upload` begin, chunks in order, finish (which opens the data). */
import type { ApiClient } from '../../../shared/api/client';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import { bytesToBase64 } from '../../../shared/base64';
import { StudioError } from '../../../shared/errors';
import type { DroppedFile } from './drop';

export async function uploadFiles(api: ApiClient, files: DroppedFile[], onProgress: (fraction: number) => void): Promise<OpenedDataset> {
  if (files.length === 0)
    throw new StudioError({ code: 'bad-input', what: 'Nothing to upload', hint: 'Drop image files or a folder of them.' });
  const begun = await api.call('datasets.upload', { action: 'begin', files: files.map((f) => ({ name: f.name, size: f.file.size })) });
  const { uploadId, chunkBytes, total } = begun;
  let sent = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i].file;
      for (let offset = 0; offset < f.size; offset += chunkBytes) {
        const bytes = new Uint8Array(await f.slice(offset, offset + chunkBytes).arrayBuffer());
        await api.call('datasets.upload', { action: 'chunk', uploadId, file: i, offset, data: bytesToBase64(bytes) });
        sent += bytes.length;
        onProgress(total ? sent / total : 1);
      }
    }
    const done = await api.call('datasets.upload', { action: 'finish', uploadId });
    if (!done.dataset)
      throw new StudioError({ code: 'internal', what: 'The upload finished without a dataset', hint: 'Drop the files again.' });
    return done.dataset;
  } catch (e) {
    await api.call('datasets.upload', { action: 'abort', uploadId }).catch(() => {});
    throw e;
  }
}
