import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeFileSet } from './files';
import { TFLITE_FILE } from './paths';
import { exportTfliteModel, type TfliteExport, type TfliteExportOptions } from './tflite';

export interface TfliteFileExport extends TfliteExport {
  /** Absolute path of the written `.tflite` file (also the only entry of `files`). */
  file: string;
  files: string[];
  /** Bytes of all constant tensors as stored. */
  weightBytes: number;
}

/** Writes `<dir>/model.tflite` atomically; never replaces a file unless `overwrite`. */
export async function exportTfliteFile(
  model: tf.LayersModel,
  dir: string,
  opts: TfliteExportOptions & { overwrite?: boolean } = {},
): Promise<TfliteFileExport> {
  const e = exportTfliteModel(model, opts);
  const files = await writeFileSet(dir, [{ name: TFLITE_FILE, data: e.bytes }], { overwrite: opts.overwrite });
  return { ...e, file: path.join(dir, TFLITE_FILE), files, weightBytes: e.stats.kernelBytes + e.stats.otherBytes };
}
