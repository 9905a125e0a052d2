import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type * as tf from '@tensorflow/tfjs';
import type { WeightPrecision } from '../../shared/export/schemas';
import { measureOnnxLatency, type Latency, type LatencyOptions } from './latency';

const gzip = promisify(zlib.gzip);

/** Shown with every size report, whatever the numbers say. */
export const SPARSITY_STATEMENT =
  'Unstructured sparsity does not make dense kernels faster: the pruned weights are stored and multiplied as zeros, ' +
  'so latency stays that of the dense model; the gain is in compressed size (gzip bytes).';

export interface SizeReport {
  format: 'onnx' | 'tfjs';
  weights: WeightPrecision;
  files: { name: string; bytes: number; gzipBytes: number }[];
  /** Sum of the files' sizes on disk. */
  fileBytes: number;
  /** Sum of each file gzipped at level 9: where sparsity pays off. */
  gzipBytes: number;
  /** float32 bytes of every weight of the model (4 x parameters). */
  denseBytes: number;
  /** Bytes of the weight payload as stored (kernels at the chosen precision, scales, float32 rest). */
  quantizedBytes: number;
  parameters: number;
  /** Non-zero weights of the (pruned) float model, all tensors. */
  nonZero: number;
  /** The rank>1 kernels alone: the pruned set. */
  kernels: { total: number; nonZero: number; sparsity: number };
  latency?: Latency;
  statement: string;
}

export interface SizeReportInput {
  model: tf.LayersModel;
  format: 'onnx' | 'tfjs';
  weights: WeightPrecision;
  /** The exported files (absolute paths). */
  files: string[];
  /** Weight payload bytes from the exporter (OnnxExport stats or TfjsExport.weightBytes). */
  quantizedBytes: number;
  /** ONNX bytes to time on onnxruntime-node; for a tfjs export pass the ONNX export of the same model. */
  onnx?: Uint8Array;
  latency?: LatencyOptions & { batch?: number };
}

export async function sizeReport(input: SizeReportInput): Promise<SizeReport> {
  const files = [];
  for (const f of input.files) {
    const data = await fsp.readFile(f);
    files.push({ name: path.basename(f), bytes: data.length, gzipBytes: (await gzip(data, { level: 9 })).length });
  }
  let parameters = 0;
  let nonZero = 0;
  let kTotal = 0;
  let kNonZero = 0;
  for (const v of input.model.weights) {
    const values = await v.read().data();
    let nz = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) nz++;
    parameters += values.length;
    nonZero += nz;
    if (v.shape.length > 1) {
      kTotal += values.length;
      kNonZero += nz;
    }
  }
  let latency: Latency | undefined;
  if (input.onnx) {
    const shape = input.model.inputs[0].shape.map((d, i) => (i === 0 ? input.latency?.batch ?? 1 : d ?? 1));
    latency = await measureOnnxLatency(input.onnx, shape as number[], input.latency);
  }
  return {
    format: input.format,
    weights: input.weights,
    files,
    fileBytes: files.reduce((n, f) => n + f.bytes, 0),
    gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0),
    denseBytes: 4 * parameters,
    quantizedBytes: input.quantizedBytes,
    parameters,
    nonZero,
    kernels: { total: kTotal, nonZero: kNonZero, sparsity: kTotal ? 1 - kNonZero / kTotal : 0 },
    ...(latency ? { latency } : {}),
    statement: SPARSITY_STATEMENT,
  };
}
