/**
 * The dense float32 model written in each format an export targets: what every artifact's
 * verdict compares with (timed interleaved with the artifact, see size.ts). Written to a private
 * temp folder, removed by `dispose`; never placed next to the exports.
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ExportFormat } from '../../shared/export/schemas';
import { exportOnnxFile } from './onnx-file';
import { fileSizes } from './size';
import { exportTfjs } from './tfjs';
import { exportTfliteFile } from './tflite-file';

export interface BaselineFiles {
  files: string[];
  fileBytes: number;
  gzipBytes: number;
}

/** `model` must hold the dense (unpruned) weights when called. */
export async function writeBaselines(
  model: tf.LayersModel,
  formats: ExportFormat[],
): Promise<{ get(format: ExportFormat): BaselineFiles | undefined; dispose(): Promise<void> }> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'var-studio-baseline-'));
  const out = new Map<ExportFormat, BaselineFiles>();
  const dispose = () => fsp.rm(tmp, { recursive: true, force: true });
  try {
    for (const format of [...new Set(formats)]) {
      const dir = path.join(tmp, format);
      const files =
        format === 'onnx'
          ? (await exportOnnxFile(model, dir)).files
          : format === 'tflite'
            ? (await exportTfliteFile(model, dir)).files
            : (await exportTfjs(model, dir)).files;
      out.set(format, { files, ...(await fileSizes(files)) });
    }
  } catch (e) {
    await dispose();
    throw e;
  }
  return { get: (f) => out.get(f), dispose };
}
