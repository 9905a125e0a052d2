/** Writes one format x precision of a model into a folder, and loads the written files back to run them. */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DISCLAIMER, type ExportFormat, type WeightPrecision } from '../../shared/export/schemas';
import { exportOnnxFile } from './onnx-file';
import { exportOnnxModel } from './onnx';
import { createOnnxSession } from './onnx-run';
import { exportTfjs, tfjsDir } from './tfjs';
import { ONNX_FILE } from './paths';
import { onnxPredictor, tfjsPredictor, type Predictor } from './check';

/** Key/values stored inside the model files (ONNX metadata_props, tfjs userDefinedMetadata). */
export function exportMetadata(runId: string, level: { sparsity: number; scope: string; keepFirstLast: boolean }): Record<string, string> {
  return { runId, sparsity: String(level.sparsity), scope: level.scope, keepFirstLast: String(level.keepFirstLast), disclaimer: DISCLAIMER };
}

export interface WrittenModel {
  /** Absolute paths, in write order (the file that points at the others last). */
  files: string[];
  /** Weight payload as stored, for the size report. */
  quantizedBytes: number;
  /** ONNX bytes with the same weight storage, timed on onnxruntime-node (also for tfjs exports). */
  onnx: Uint8Array;
}

export async function writeModel(model: tf.LayersModel, format: ExportFormat, weights: WeightPrecision, dir: string, metadata: Record<string, string>): Promise<WrittenModel> {
  if (format === 'onnx') {
    const e = await exportOnnxFile(model, dir, { weights, metadata, fileName: ONNX_FILE });
    return { files: e.files, quantizedBytes: e.weightBytes, onnx: e.bytes };
  }
  const e = await exportTfjs(model, dir, { weights, metadata });
  return { files: e.files, quantizedBytes: e.weightBytes, onnx: exportOnnxModel(model, { weights, metadata }).bytes };
}

/** Loads the files on disk (not the in-memory model) with the runtime that format targets. */
export async function loadBack(format: ExportFormat, dir: string): Promise<{ runtime: 'onnxruntime-node' | 'tfjs'; predict: Predictor; dispose(): Promise<void> }> {
  if (format === 'onnx') {
    const session = await createOnnxSession(new Uint8Array(await fsp.readFile(path.join(dir, ONNX_FILE))));
    return { runtime: 'onnxruntime-node', predict: onnxPredictor(session), dispose: () => session.release() };
  }
  const model = await tf.loadLayersModel(tfjsDir(dir));
  return { runtime: 'tfjs', predict: tfjsPredictor(model), dispose: async () => void model.dispose() };
}
