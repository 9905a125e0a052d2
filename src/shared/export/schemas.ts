/**
 * What an export is asked to do and what it reports, as zod schemas: one definition for the
 * API contract, the CLI, the export job and the model card JSON written next to the files.
 */
import { z } from 'zod';
import { pruneFamilies } from '../sweep/config';
import { ChannelLevelSchema } from '../sweep/result';
import { ScoreSummarySchema, type ScoreSummary } from '../metrics/schemas';

export const ExportFormatSchema = z.enum(['onnx', 'tfjs', 'tflite']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
/**
 * The runtime each format's files are loaded, scored and timed in: onnxruntime-node, tfjs, and
 * LiteRT.js (Google's TFLite runtime for JavaScript, XNNPACK CPU kernels in WebAssembly).
 */
export const RUNTIMES = ['onnxruntime-node', 'tfjs', 'litert.js'] as const;
export type Runtime = (typeof RUNTIMES)[number];
export const FORMAT_RUNTIME: Record<ExportFormat, Runtime> = { onnx: 'onnxruntime-node', tfjs: 'tfjs', tflite: 'litert.js' };

/**
 * What the exported kernels are stored and computed in (one name per meaning, in every format that has it):
 * - `fp32`, `fp16`: float kernels (fp16 stored, cast to float32 at load); computed in float32.
 * - `int8-weights`: weight-only int8 kernels, dequantized at load, computed in float32; the
 *   smallest file. Biases and BatchNorm stay float32.
 * - `int8-qdq`: ONNX only. Static int8 quantization (QuantizeLinear/DequantizeLinear around
 *   every convolution, activation ranges calibrated on training slices) that onnxruntime runs
 *   with integer kernels (QLinearConv).
 * - `int8-full`: TFLite only. Full-integer int8 (TFLite's int8 quantization spec): INT8 activations
 *   calibrated on training slices by the same rule as int8-qdq, INT8 kernels per output channel,
 *   INT32 biases; only the float32 input and output are converted (QUANTIZE / DEQUANTIZE), so a
 *   TFLite runtime computes every convolution, add and concatenation in int8.
 * TFLite stores fp16 and int8-weights kernels as FLOAT16 / INT8 (per output channel) tensors read
 * through DEQUANTIZE, computed in float32 like the other formats' weight-only precisions.
 */
export const WEIGHT_PRECISIONS = ['fp32', 'fp16', 'int8-weights', 'int8-qdq', 'int8-full'] as const;
export type WeightPrecision = (typeof WEIGHT_PRECISIONS)[number];
/** The name earlier versions used for `int8-weights` (weight-only int8); still accepted, always read as `int8-weights`. */
export const LEGACY_INT8 = 'int8';
/** Maps a precision name to the current one (`int8` -> `int8-weights`); unknown names come back unchanged. */
export function canonicalWeightPrecision(name: string): string {
  return name === LEGACY_INT8 ? 'int8-weights' : name;
}
/** Accepts the legacy `int8` (earlier exports, index entries and model cards) and reads it as `int8-weights`. */
export const WeightPrecisionSchema = z.union([
  z.enum(WEIGHT_PRECISIONS),
  z.literal(LEGACY_INT8).transform((): WeightPrecision => 'int8-weights'),
]);
/** The formats a precision can be written in: the static int8 precisions are each one format's own integer layout (QDQ for onnxruntime, full-integer for TFLite). */
export const PRECISION_FORMATS: Record<WeightPrecision, readonly ExportFormat[]> = {
  fp32: ['onnx', 'tfjs', 'tflite'],
  fp16: ['onnx', 'tfjs', 'tflite'],
  'int8-weights': ['onnx', 'tfjs', 'tflite'],
  'int8-qdq': ['onnx'],
  'int8-full': ['tflite'],
};

/** The static int8 precisions: activations calibrated on training slices, integer kernels. */
export type StaticInt8 = 'int8-qdq' | 'int8-full';
export const isStaticInt8 = (w: WeightPrecision): w is StaticInt8 => w === 'int8-qdq' || w === 'int8-full';

export const PruneScopeSchema = z.enum(['global', 'layerwise']);

const unique = <T>(a: T[]) => new Set(a).size === a.length;

/** The pruning half of a request: which copy of the run's model gets exported. */
export const ExportLevelSchema = z
  .object({
    /**
     * Fraction of the prunable (rank>1) weights set to zero (unstructured) or removed with their
     * channels (channel: the exported network is rebuilt smaller); 0 exports the dense model.
     */
    sparsity: z.number().min(0).max(0.999),
    /** The pruning family (docs/pruning-families.md); default unstructured. */
    family: z.enum(pruneFamilies).default('unstructured'),
    /** Channel family: which channels go first. */
    channelCriterion: z.enum(['l1', 'l2', 'bn-gamma']).default('l1'),
    scope: PruneScopeSchema.default('global'),
    keepFirstLast: z.boolean().default(false),
    /** Recompute BatchNorm statistics on training images after pruning (as the sweep may). */
    reestimateBatchNorm: z.boolean().default(false),
  })
  .strict();

export const ExportTargetsSchema = z
  .object({
    formats: z.array(ExportFormatSchema).min(1).max(ExportFormatSchema.options.length).refine(unique, 'formats must not repeat'),
    weights: z.array(WeightPrecisionSchema).min(1).max(WEIGHT_PRECISIONS.length).refine(unique, 'weights must not repeat'),
    /**
     * Output folder. With one format x precision the files go straight into it; with several,
     * each gets a sub-folder named like the default (`<level>-<format>-<weights>`).
     * Default: `<runDir>/exports/<level>-<format>-<weights>/`.
     */
    outDir: z.string().min(1).max(4096).optional(),
    /** Replace existing files (the UI asks first; the CLI needs --force). */
    overwrite: z.boolean().default(false),
  })
  .strict();

export const LatencySchema = z.object({
  /** The artifact's own runtime (FORMAT_RUNTIME). */
  runtime: z.enum(RUNTIMES),
  device: z.enum(['cpu', 'gpu']),
  /** tfjs: the backend it ran on. */
  backend: z.string().optional(),
  threads: z.number().int().positive(),
  inputShape: z.array(z.number().int()),
  runs: z.number().int().positive(),
  warmup: z.number().int().nonnegative(),
  medianMs: z.number().nonnegative(),
  minMs: z.number().nonnegative(),
  maxMs: z.number().nonnegative(),
  /** Quartiles of the timed runs (absent in older cards). */
  q25Ms: z.number().nonnegative().optional(),
  q75Ms: z.number().nonnegative().optional(),
  /** Peak memory as the runtime reports it; null when it reports none (onnxruntime-node). Absent in older cards. */
  peakBytes: z.number().int().nonnegative().nullable().optional(),
  /** What peakBytes counts, or why it is missing. */
  memory: z.string().optional(),
});

/** The dense float32 model, written and measured in the same runtime as an artifact: what a verdict compares with. */
export const BaselineSchema = z.object({
  runtime: z.enum(RUNTIMES),
  /** Median latency, timed interleaved with the artifact (same runs, same load), and its quartiles. */
  latencyMs: z.number().nonnegative(),
  latencyQ25Ms: z.number().nonnegative().optional(),
  latencyQ75Ms: z.number().nonnegative().optional(),
  fileBytes: z.number().int().nonnegative(),
  gzipBytes: z.number().int().nonnegative(),
  /** Headline per-case Dice of the dense float32 model (null without lesion cases or before scoring). */
  dice: z.number().nullable(),
});
export type Baseline = z.infer<typeof BaselineSchema>;

/** An artifact against its baseline: ratios computed from the measurements, and the one line they read as. */
export const VerdictSchema = z.object({
  baseline: BaselineSchema,
  /** Baseline latency / artifact latency (>1: faster). */
  speedup: z.number().nonnegative(),
  /** Baseline bytes / artifact bytes (>1: smaller). */
  fileRatio: z.number().nonnegative(),
  gzipRatio: z.number().nonnegative(),
  /** Artifact Dice minus baseline Dice (null when either is missing). */
  deltaDice: z.number().nullable(),
  line: z.string(),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** Mirrors `SizeReport` in src/node/export/size.ts (checked there at compile time by the job). */
export const SizeReportSchema = z.object({
  format: ExportFormatSchema,
  weights: WeightPrecisionSchema,
  files: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative(), gzipBytes: z.number().int().nonnegative() })),
  fileBytes: z.number().int().nonnegative(),
  gzipBytes: z.number().int().nonnegative(),
  denseBytes: z.number().int().nonnegative(),
  quantizedBytes: z.number().int().nonnegative(),
  parameters: z.number().int().nonnegative(),
  nonZero: z.number().int().nonnegative(),
  kernels: z.object({ total: z.number().int().nonnegative(), nonZero: z.number().int().nonnegative(), sparsity: z.number().min(0).max(1) }),
  latency: LatencySchema.optional(),
  statement: z.string(),
  verdict: VerdictSchema.optional(),
});
export type SizeReportData = z.infer<typeof SizeReportSchema>;

/** Segmentation quality of one model on the evaluation split: the scoring module's summary (hard masks at p >= 0.5). */
export const ScoreSchema = ScoreSummarySchema;
export type Score = ScoreSummary;

/** The exported file, loaded back and run, against the float32 pruned model it came from. */
export const ArtifactCheckSchema = z.object({
  runtime: z.enum(RUNTIMES),
  score: ScoreSchema,
  /** Score of the unquantized (float32) pruned model in tfjs on the same images. */
  reference: ScoreSchema,
  /** Headline per-case Dice of score minus reference: the measured cost of the format and quantization (null without lesion cases). */
  deltaDice: z.number().nullable(),
  /** Largest |p_exported - p_reference| over every pixel of every evaluation image. */
  maxAbsProbDiff: z.number().nonnegative(),
  /** Fraction of pixels whose hard mask differs. */
  maskDisagreement: z.number().min(0).max(1),
  /**
   * ONNX: the op types onnxruntime runs after its graph optimizations, with counts (dumped via
   * optimizedModelFilePath): QLinearConv = integer convolution, Conv/FusedConv = float.
   * TFLite: the builtin operators in the file (its operator set), which LiteRT.js runs as they are.
   */
  ops: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
export type ArtifactCheck = z.infer<typeof ArtifactCheckSchema>;

export const PruneSummarySchema = z.object({
  requested: z.number(),
  achieved: z.number(),
  overall: z.number(),
  scope: PruneScopeSchema,
  keepFirstLast: z.boolean(),
  threshold: z.number().optional(),
  batchNormReestimated: z.boolean(),
  /** Absent in cards written before the channel family: unstructured. */
  family: z.enum(pruneFamilies).optional(),
  /** Channel family: what was removed and the rebuilt network's size. */
  channel: ChannelLevelSchema.omit({ layers: true }).optional(),
});
export type PruneSummary = z.infer<typeof PruneSummarySchema>;

export const DISCLAIMER = 'not for diagnostic use';

/** How the activation ranges of a static int8 export (int8-qdq, int8-full) were calibrated. */
export const CalibrationSchema = z.object({
  method: z.enum(['minmax', 'percentile']),
  percentile: z.number().optional(),
  /** Training slices the ranges were measured on (evenly spaced over the training split). */
  slices: z.number().int().positive(),
  tensors: z.number().int().nonnegative(),
  foldedBatchNorms: z.number().int().nonnegative(),
  quantizedConvs: z.number().int().nonnegative(),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

export const ExportArtifactSchema = z.object({
  format: ExportFormatSchema,
  weights: WeightPrecisionSchema,
  dir: z.string(),
  /** Absolute paths of the model files (ONNX: model.onnx; tfjs: shards then model.json). */
  files: z.array(z.string()),
  /** Paths of model-card.json and MODEL_CARD.md, and the Markdown itself (for the UI). */
  card: z.object({ json: z.string(), markdown: z.string(), text: z.string() }),
  size: SizeReportSchema,
  check: ArtifactCheckSchema,
});
export type ExportArtifact = z.infer<typeof ExportArtifactSchema>;

export const ExportResultSchema = z.object({
  runId: z.string(),
  runDir: z.string(),
  prune: PruneSummarySchema,
  evaluatedOn: z.enum(['val', 'test']),
  /** The trained model before pruning, and the float32 pruned copy, in tfjs. */
  dense: ScoreSchema,
  pruned: ScoreSchema,
  artifacts: z.array(ExportArtifactSchema),
  seconds: z.number().nonnegative(),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;

/** One line of `<runDir>/exports/index.json`: what was exported where, for the history list. */
export const ExportIndexEntrySchema = z.object({
  runId: z.string(),
  dir: z.string(),
  format: ExportFormatSchema,
  weights: WeightPrecisionSchema,
  sparsity: z.number(),
  scope: PruneScopeSchema,
  keepFirstLast: z.boolean(),
  /** Absent in entries written before the channel family: unstructured. */
  family: z.enum(pruneFamilies).optional(),
  createdAt: z.string(),
  fileBytes: z.number().int().nonnegative(),
  gzipBytes: z.number().int().nonnegative(),
  /** Headline: mean per-case Dice of the exported file (null without lesion cases). */
  dice: z.number().nullable(),
  deltaDice: z.number().nullable(),
});
export type ExportIndexEntry = z.infer<typeof ExportIndexEntrySchema>;
