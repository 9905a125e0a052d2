import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import type { ExportFormat, Verdict, WeightPrecision } from '../../shared/export/schemas';
import { computeVerdict } from '../../shared/export/verdict';
import {
  measureOnnxLatency,
  measureTfjsLatency,
  measureTfliteLatency,
  type BaselineTiming,
  type Latency,
  type LatencyOptions,
} from './latency';
import { tfjsDir } from './tfjs';
import { isPrunableShape } from '../../shared/model/weights';

const gzip = promisify(zlib.gzip);

/** Shown with every size report, whatever the numbers say. */
export const SPARSITY_STATEMENT =
  'Unstructured sparsity does not make dense kernels faster: the pruned weights are stored and multiplied as zeros, ' +
  'so latency stays that of the dense model; the gain is in compressed size (gzip bytes).';

/** Shown instead with a channel-pruned export. */
export const CHANNEL_STATEMENT =
  'Channel pruning removed whole conv channels: the exported network is physically smaller, so its file, its memory and its ' +
  'FLOPs shrink in every runtime (residual-add channels, the stem and the head stay dense).';

export interface SizeReport {
  format: ExportFormat;
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
  /** In the artifact's own runtime: onnxruntime-node for ONNX, tfjs for TensorFlow.js, LiteRT.js for TFLite. */
  latency?: Latency;
  statement: string;
  /** The measured comparison with the dense float32 model in the same runtime (set by the export job). */
  verdict?: Verdict;
}

export interface SizeReportInput {
  model: tf.LayersModel;
  format: ExportFormat;
  weights: WeightPrecision;
  /** The exported files (absolute paths). */
  files: string[];
  /** Weight payload bytes from the exporter (OnnxExport stats or TfjsExport.weightBytes). */
  quantizedBytes: number;
  /**
   * The dense float32 model written in the same format (see baseline.ts): timed interleaved with
   * the files, and the verdict computed against it. `dice`: the artifact's measured Dice; `scored`
   * false in a preview (no Dice yet).
   */
  compare?: {
    baseline: { files: string[]; fileBytes: number; gzipBytes: number; dice: number | null };
    dice: number | null;
    scored: boolean;
  };
  /** Time the files in their runtime (default true). */
  measureLatency?: boolean;
  latency?: LatencyOptions & { batch?: number };
  /** What the numbers mean for speed (default: the unstructured-sparsity statement). */
  statement?: string;
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
    if (isPrunableShape(v.shape)) {
      kTotal += values.length;
      kNonZero += nz;
    }
  }
  const shape = input.model.inputs[0].shape.map((d, i) => (i === 0 ? (input.latency?.batch ?? 1) : (d ?? 1)));
  const c = input.compare;
  const measured =
    input.measureLatency === false ? undefined : await measureFiles(input.format, input.files, shape, input.latency, c?.baseline.files);
  const { baseline: baseTiming, ...latency } = measured ?? {};
  const fileBytes = files.reduce((n, f) => n + f.bytes, 0);
  const gzipBytes = files.reduce((n, f) => n + f.gzipBytes, 0);
  return {
    format: input.format,
    weights: input.weights,
    files,
    fileBytes,
    gzipBytes,
    denseBytes: 4 * parameters,
    quantizedBytes: input.quantizedBytes,
    parameters,
    nonZero,
    kernels: { total: kTotal, nonZero: kNonZero, sparsity: kTotal ? 1 - kNonZero / kTotal : 0 },
    ...(measured ? { latency: latency as Latency } : {}),
    statement: input.statement ?? SPARSITY_STATEMENT,
    ...(c && baseTiming && measured
      ? {
          verdict: computeVerdict(
            {
              latencyMs: measured.medianMs,
              latencyQ25Ms: measured.q25Ms,
              latencyQ75Ms: measured.q75Ms,
              runs: measured.runs,
              fileBytes,
              gzipBytes,
              dice: c.dice,
            },
            {
              runtime: measured.runtime,
              latencyMs: baseTiming.medianMs,
              latencyQ25Ms: baseTiming.q25Ms,
              latencyQ75Ms: baseTiming.q75Ms,
              fileBytes: c.baseline.fileBytes,
              gzipBytes: c.baseline.gzipBytes,
              dice: c.baseline.dice,
            },
            c.scored,
          ),
        }
      : {}),
  };
}

const fileBytes = async (files: string[], ext: string) => new Uint8Array(await fsp.readFile(files.find((f) => f.endsWith(ext)) as string));
const loadTfjs = (files: string[]) =>
  tf.loadLayersModel(tfjsDir(path.dirname(files.find((f) => path.basename(f) === 'model.json') as string)));

/**
 * Loads the written files (not the in-memory model) in the format's own runtime and times them;
 * with `baselineFiles` (same format) those are timed interleaved with them.
 */
export async function measureFiles(
  format: ExportFormat,
  files: string[],
  inputShape: number[],
  opts?: LatencyOptions,
  baselineFiles?: string[],
): Promise<Latency & { baseline?: BaselineTiming }> {
  if (format === 'onnx')
    return measureOnnxLatency(
      await fileBytes(files, '.onnx'),
      inputShape,
      opts,
      baselineFiles && (await fileBytes(baselineFiles, '.onnx')),
    );
  if (format === 'tflite')
    return measureTfliteLatency(
      await fileBytes(files, '.tflite'),
      inputShape,
      opts,
      baselineFiles && (await fileBytes(baselineFiles, '.tflite')),
    );
  const model = await loadTfjs(files);
  const base = baselineFiles ? await loadTfjs(baselineFiles) : undefined;
  try {
    return await measureTfjsLatency(model, inputShape, opts, base);
  } finally {
    model.dispose();
    base?.dispose();
  }
}

/** File and gzip bytes of a set of files. */
export async function fileSizes(files: string[]): Promise<{ fileBytes: number; gzipBytes: number }> {
  let fileBytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const data = await fsp.readFile(f);
    fileBytes += data.length;
    gzipBytes += (await gzip(data, { level: 9 })).length;
  }
  return { fileBytes, gzipBytes };
}
