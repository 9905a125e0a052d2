/**
 * int8-qdq: static int8 quantization of the ONNX export. BatchNorm is folded into the Conv
 * before it, activation ranges are calibrated by running the float32 graph in onnxruntime on
 * training slices, and every Conv gets QuantizeLinear/DequantizeLinear around its input, weight,
 * bias and output, which onnxruntime's graph optimizer turns into integer kernels (QLinearConv).
 *
 * Defaults (the ones `onnxruntime.quantization.quantize_static` uses unless noted):
 * - calibration: 32 training slices, evenly spaced over the training split (all when fewer);
 * - method `minmax`: each tensor's range is the min and max seen over those slices; `percentile`
 *   clips it to the 0.01 / 99.99 percentiles instead (histogram of 2048 bins, second pass);
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
import { calibrationTensors, convGroups, foldBatchNorm, insertQdq, type Range } from './qdq-graph';

export interface QdqOptions {
  /** Calibration slices used (default 32). */
  slices?: number;
  /** Range rule (default 'minmax'). */
  method?: 'minmax' | 'percentile';
  /** Upper percentile for 'percentile' (default 99.99; the lower one is 100 minus it). */
  percentile?: number;
}

export const QDQ_DEFAULTS = { slices: 32, method: 'minmax', percentile: 99.99 } as const;

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

/** `n` items evenly spaced over `items` (all of them when there are fewer), deterministic. */
export function evenlySpaced<T>(items: T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
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

async function calibrate(
  graph: O.IGraphProto,
  names: string[],
  images: Float32Array[],
  hwc: [number, number, number],
  method: 'minmax' | 'percentile',
  percentile: number,
): Promise<Map<string, Range>> {
  const ranges = new Map<string, Range>(names.map((n) => [n, { min: Infinity, max: -Infinity }]));
  await runIntermediates(graph, names, images, hwc, (n, v) => {
    const r = ranges.get(n) as Range;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < r.min) r.min = v[i];
      if (v[i] > r.max) r.max = v[i];
    }
  });
  if (method === 'minmax') return ranges;
  const BINS = 2048;
  const hist = new Map(names.map((n) => [n, { counts: new Float64Array(BINS), total: 0 }]));
  await runIntermediates(graph, names, images, hwc, (n, v) => {
    const r = ranges.get(n) as Range;
    const h = hist.get(n) as { counts: Float64Array; total: number };
    const w = (r.max - r.min) / BINS || 1;
    for (let i = 0; i < v.length; i++) h.counts[Math.min(BINS - 1, Math.max(0, Math.floor((v[i] - r.min) / w)))]++;
    h.total += v.length;
  });
  const clipped = new Map<string, Range>();
  for (const n of names) {
    const r = ranges.get(n) as Range;
    const h = hist.get(n) as { counts: Float64Array; total: number };
    const w = (r.max - r.min) / BINS || 1;
    const lowCount = (h.total * (100 - percentile)) / 100;
    let acc = 0;
    let lo = 0;
    while (lo < BINS - 1 && acc + h.counts[lo] <= lowCount) acc += h.counts[lo++];
    acc = 0;
    let hi = BINS - 1;
    while (hi > 0 && acc + h.counts[hi] <= lowCount) acc += h.counts[hi--];
    clipped.set(n, { min: r.min + lo * w, max: r.min + (hi + 1) * w });
  }
  return clipped;
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
  const slices = Math.max(1, opts.slices ?? QDQ_DEFAULTS.slices);
  const method = opts.method ?? QDQ_DEFAULTS.method;
  const percentile = opts.percentile ?? QDQ_DEFAULTS.percentile;
  if (!images.length)
    throw new StudioError({
      code: 'bad-input',
      what: 'int8-qdq needs training images to calibrate the activation ranges, and the run has none',
      hint: 'Export int8-weights instead, or train with a training split',
    });
  const [, h, w, c] = model.inputs[0].shape;
  if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number')
    throw new StudioError({
      code: 'unsupported',
      what: 'int8-qdq needs a model with a fixed input size',
      hint: 'Export a model built by the studio',
    });
  const picked = evenlySpaced(images, slices);
  const fp = exportOnnxModel(model, { weights: 'fp32' });
  const proto = onnx.ModelProto.decode(fp.bytes);
  const graph = proto.graph as O.IGraphProto;
  const folded = foldBatchNorm(graph);
  const groups = convGroups(graph);
  const names = calibrationTensors(groups, graph);
  const ranges = await calibrate(graph, names, picked, [h, w, c], method, percentile);
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
