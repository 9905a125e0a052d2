/** Writes one format x precision of a model into a folder, and loads the written files back to run them. */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as os from 'node:os';
import { StudioError } from '../../shared/errors';
import {
  DISCLAIMER,
  PRECISION_FORMATS,
  isStaticInt8,
  type Calibration,
  type ExportFormat,
  type Runtime,
  type WeightPrecision,
} from '../../shared/export/schemas';
import { writeFileSet } from './files';
import { exportOnnxFile } from './onnx-file';
import { createOnnxSession } from './onnx-run';
import type { CalibrationOptions } from './calibration';
import { exportOnnxQdqModel, optimizedOpTypes } from './qdq';
import { exportTfliteInt8Model } from './tflite-int8';
import { exportTfjs, tfjsDir } from './tfjs';
import { ONNX_FILE, TFLITE_FILE } from './paths';
import { onnxPredictor, tflitePredictor, tfjsPredictor, type Predictor } from './check';
import { exportTfliteFile } from './tflite-file';
import { compileTflite } from './litert';
import { readOperatorCounts } from './tflite-schema';

/** Key/values stored inside the model files (ONNX metadata_props, tfjs userDefinedMetadata, TFLite metadata). */
export function exportMetadata(
  runId: string,
  level: { sparsity: number; scope: string; keepFirstLast: boolean; family?: string },
): Record<string, string> {
  return {
    runId,
    family: level.family ?? 'unstructured',
    sparsity: String(level.sparsity),
    scope: level.scope,
    keepFirstLast: String(level.keepFirstLast),
    disclaimer: DISCLAIMER,
  };
}

export interface WrittenModel {
  /** Absolute paths, in write order (the file that points at the others last). */
  files: string[];
  /** Weight payload as stored, for the size report. */
  quantizedBytes: number;
  /** int8-qdq, int8-full: how the activation ranges were calibrated. */
  calibration?: Calibration;
}

/** Static int8 (int8-qdq, int8-full) inputs: training-split images (NHWC float32, preprocessed), loaded only when needed. */
export interface CalibrationSource extends CalibrationOptions {
  images: () => Promise<Float32Array[]>;
}

export async function writeModel(
  model: tf.LayersModel,
  format: ExportFormat,
  weights: WeightPrecision,
  dir: string,
  metadata: Record<string, string>,
  calibration?: CalibrationSource,
): Promise<WrittenModel> {
  if (!PRECISION_FORMATS[weights].includes(format))
    throw new StudioError({
      code: 'unsupported',
      what: `${weights} cannot be written as ${format}`,
      hint: `${weights} is ${PRECISION_FORMATS[weights].join(', ')} only (that runtime's integer layout); use int8-weights for the smallest file in any format`,
    });
  if (isStaticInt8(weights)) {
    if (!calibration)
      throw new StudioError({
        code: 'bad-input',
        what: `${weights} needs training images to calibrate the activation ranges`,
        hint: 'Export int8-weights instead',
      });
    const images = await calibration.images();
    const e =
      format === 'onnx'
        ? await exportOnnxQdqModel(model, images, { ...calibration, metadata })
        : await exportTfliteInt8Model(model, images, { ...calibration, metadata });
    const files = await writeFileSet(dir, [{ name: format === 'onnx' ? ONNX_FILE : TFLITE_FILE, data: e.bytes }]);
    return { files, quantizedBytes: e.stats.kernelBytes + e.stats.otherBytes, calibration: e.calibration };
  }
  if (format === 'onnx') {
    const e = await exportOnnxFile(model, dir, { weights, metadata, fileName: ONNX_FILE });
    return { files: e.files, quantizedBytes: e.weightBytes };
  }
  if (format === 'tflite') {
    const e = await exportTfliteFile(model, dir, { weights, metadata });
    return { files: e.files, quantizedBytes: e.weightBytes };
  }
  const e = await exportTfjs(model, dir, { weights, metadata });
  return { files: e.files, quantizedBytes: e.weightBytes };
}

/** Loads the files on disk (not the in-memory model) with the runtime that format targets. */
export async function loadBack(
  format: ExportFormat,
  dir: string,
): Promise<{ runtime: Runtime; predict: Predictor; ops?: Record<string, number>; dispose(): Promise<void> }> {
  if (format === 'onnx') {
    const bytes = new Uint8Array(await fsp.readFile(path.join(dir, ONNX_FILE)));
    // What onnxruntime runs after optimizing (outside the export folder: the dump is not part of the export).
    const ops = await optimizedOpTypes(bytes, path.join(os.tmpdir(), `var-studio-optimized-${process.pid}-${Date.now()}.onnx`));
    const session = await createOnnxSession(bytes);
    return { runtime: 'onnxruntime-node', predict: onnxPredictor(session), ops, dispose: () => session.release() };
  }
  if (format === 'tflite') {
    const bytes = new Uint8Array(await fsp.readFile(path.join(dir, TFLITE_FILE)));
    const compiled = await compileTflite(bytes);
    // The operator set as the file declares it (LiteRT runs these builtin ops, XNNPACK-delegated where it can).
    return {
      runtime: 'litert.js',
      predict: tflitePredictor(compiled),
      ops: readOperatorCounts(bytes),
      dispose: async () => compiled.delete(),
    };
  }
  const model = await tf.loadLayersModel(tfjsDir(dir));
  return { runtime: 'tfjs', predict: tfjsPredictor(model), dispose: async () => void model.dispose() };
}
