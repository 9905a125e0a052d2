/**
 * int8-qdq: static int8 quantization of the ONNX export. BatchNorm is folded into the Conv
 * before it, activation ranges are calibrated by running the float32 graph in onnxruntime on
 * training slices, and every Conv gets QuantizeLinear/DequantizeLinear around its input, weight,
 * bias and output, which onnxruntime's graph optimizer turns into integer kernels (QLinearConv).
 *
 * Calibration follows the one rule of calibration.ts (32 evenly spaced training slices, min/max
 * or percentile). Quantization (the layout of onnxruntime's `quantize_static`):
 * - activations uint8 asymmetric per tensor (range widened to hold 0), weights int8 symmetric per
 *   output channel (+-127, zero point 0), bias int32 with scale = input scale x weight scale;
 * - nearest Resize and MaxPool outputs share their input's parameters, so onnxruntime runs them on
 *   uint8 and the residual adds and skip concatenations between them fuse into QLinearAdd /
 *   QLinearConcat: only the network input is quantized and only the logits dequantized.
 */
import * as ort from 'onnxruntime-node';
import type { onnx as O } from 'onnx-proto';
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import { exportOnnxModel, type OnnxExport } from './onnx';
import { onnx } from './onnx-proto';
import { createOnnxSession } from './onnx-run';
import { calibrateRanges, calibrationPlan, type CalibrationOptions, type CalibrationPass } from './calibration';
import { calibrationTensors, convGroups, foldBatchNorm, insertQdq } from './qdq-graph';

export type QdqOptions = CalibrationOptions;

/** What the calibration did, for the model card. */
export interface QdqCalibration {
  method: 'minmax' | 'percentile';
  percentile?: number;
  slices: number;
  tensors: number;
  foldedBatchNorms: number;
  quantizedConvs: number;
}

export interface QdqExport extends OnnxExport {
  calibration: QdqCalibration;
}

const BATCH = 8;

/** Runs `graph` with `names` as extra outputs over the images; calls `visit` with each tensor's values. */
async function runIntermediates(
  graph: O.IGraphProto,
  names: string[],
  images: Float32Array[],
  hwc: [number, number, number],
  visit: (name: string, values: Float32Array) => void,
): Promise<void> {
  const probe: O.IGraphProto = {
    ...graph,
    output: [
      ...(graph.output ?? []),
      ...names.map((name) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } })),
    ],
  };
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 'var-studio-calibration',
      graph: probe,
    }),
  ).finish();
  const session = await createOnnxSession(bytes);
  try {
    const px = hwc[0] * hwc[1] * hwc[2];
    for (let i = 0; i < images.length; i += BATCH) {
      const batch = images.slice(i, i + BATCH);
      const x = new Float32Array(batch.length * px);
      batch.forEach((im, k) => x.set(im, k * px));
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [batch.length, ...hwc]) }, names);
      for (const n of names) {
        visit(n, out[n].data as Float32Array);
        out[n].dispose();
      }
    }
  } finally {
    await session.release();
  }
}

/**
 * The int8-qdq ONNX model of `model`, calibrated on `images` (NHWC float32 slices of the
 * training split, preprocessed like the model's input; pass them all, `slices` are picked here).
 */
export async function exportOnnxQdqModel(
  model: tf.LayersModel,
  images: Float32Array[],
  opts: QdqOptions & { metadata?: Record<string, string> } = {},
): Promise<QdqExport> {
  const { picked, method, percentile } = calibrationPlan(images, opts, 'int8-qdq');
  const [, h, w, c] = model.inputs[0].shape;
  if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number')
    throw new StudioError({
      code: 'unsupported',
      what: 'int8-qdq needs a model with a fixed input size',
      hint: 'Export a model built by the studio',
    });
  const fp = exportOnnxModel(model, { weights: 'fp32' });
  const proto = onnx.ModelProto.decode(fp.bytes);
  const graph = proto.graph as O.IGraphProto;
  const folded = foldBatchNorm(graph);
  const groups = convGroups(graph);
  const names = calibrationTensors(groups, graph);
  const pass: CalibrationPass = (visit) => runIntermediates(graph, names, picked, [h, w, c], visit);
  const ranges = await calibrateRanges(names, pass, method, percentile);
  const stats = insertQdq(graph, groups, ranges);
  const calibration: QdqCalibration = {
    method,
    ...(method === 'percentile' ? { percentile } : {}),
    slices: picked.length,
    tensors: names.length,
    foldedBatchNorms: folded,
    quantizedConvs: stats.quantizedConvs,
  };
  proto.metadataProps = Object.entries({
    weights: 'int8-qdq',
    calibration: `${method}${method === 'percentile' ? ` ${percentile}` : ''} over ${picked.length} training slices`,
    ...opts.metadata,
  }).map(([key, value]) => ({ key, value }));
  const bytes = onnx.ModelProto.encode(proto).finish();
  return {
    bytes,
    stats: { kernelElements: stats.kernelElements, kernelBytes: stats.kernelBytes, otherBytes: stats.otherBytes },
    inputName: fp.inputName,
    outputNames: fp.outputNames,
    calibration,
  };
}

/**
 * The op types onnxruntime actually runs for `bytes` after its graph optimizations (level
 * 'all'), with their counts: dumped through `optimizedModelFilePath` and read back. Shows which
 * kernels a file computes in (QLinearConv = integer; Conv/FusedConv = float).
 */
export async function optimizedOpTypes(bytes: Uint8Array, tmpFile: string): Promise<Record<string, number>> {
  const fsp = await import('node:fs/promises');
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: tmpFile,
    logSeverityLevel: 3,
  });
  await session.release();
  try {
    const m = onnx.ModelProto.decode(await fsp.readFile(tmpFile));
    const counts: Record<string, number> = {};
    for (const n of m.graph?.node ?? []) counts[n.opType as string] = (counts[n.opType as string] ?? 0) + 1;
    return counts;
  } finally {
    await fsp.rm(tmpFile, { force: true });
  }
}
