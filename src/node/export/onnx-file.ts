import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeFileSet } from './files';
import { exportOnnxModel, type OnnxExport, type OnnxExportOptions } from './onnx';

export interface OnnxFileExport extends OnnxExport {
  dir: string;
  /** Absolute path of the written `.onnx` file (also the only entry of `files`). */
  file: string;
  files: string[];
  /** Bytes of all initializer payloads as stored. */
  weightBytes: number;
}

/** Writes `<dir>/<fileName>` (default model.onnx) atomically; never replaces a file unless `overwrite`. */
export async function exportOnnxFile(
  model: tf.LayersModel,
  dir: string,
  opts: OnnxExportOptions & { overwrite?: boolean; fileName?: string } = {},
): Promise<OnnxFileExport> {
  const e = exportOnnxModel(model, opts);
  const name = opts.fileName ?? 'model.onnx';
  const files = await writeFileSet(dir, [{ name, data: e.bytes }], { overwrite: opts.overwrite });
  return { ...e, dir, file: path.join(dir, name), files, weightBytes: e.stats.kernelBytes + e.stats.otherBytes };
}
