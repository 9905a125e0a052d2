/**
 * The model card written next to every export (model-card.json + MODEL_CARD.md): what the
 * model was trained on and how, how much was pruned, what it scores, and what it must not be
 * used for. The JSON is validated against this schema before it is written.
 */
import { z } from 'zod';
import { GpuAdapterSchema } from '../backend';
import { ascentKinds } from '../train/optimizerConfig';
import {
  ArtifactCheckSchema,
  CalibrationSchema,
  DISCLAIMER,
  ExportFormatSchema,
  PruneSummarySchema,
  SizeReportSchema,
  WeightPrecisionSchema,
} from './schemas';

export const MODEL_CARD_SCHEMA_ID = 'var-studio.model-card/1';

export const CardLevelSchema = z.object({
  sparsity: z.number().min(0).max(1),
  /** Where the number comes from: this export's own evaluation, or the run's sweep results. */
  source: z.enum(['export', 'sweep']),
  model: z.string(),
  /** Headline: mean per-case Dice over the cases with a lesion. */
  dice: z.number().nullable(),
  /** Mean per-case IoU. */
  iou: z.number().nullable().optional(),
  cases: z.number().int().nonnegative().optional(),
});
export type CardLevel = z.infer<typeof CardLevelSchema>;

export const ModelCardSchema = z.object({
  schema: z.literal(MODEL_CARD_SCHEMA_ID),
  name: z.string().min(1),
  createdAt: z.string(),
  studioVersion: z.string(),
  run: z.object({ id: z.string().min(1), name: z.string(), status: z.string() }),
  model: z.object({
    architecture: z.string().min(1),
    config: z.record(z.string(), z.unknown()),
    parameters: z.number().int().positive(),
    /** NHWC with a free batch dimension. */
    input: z.object({
      name: z.string(),
      shape: z.array(z.union([z.number().int(), z.string()])),
      dtype: z.literal('float32'),
      preprocessing: z.string(),
    }),
    output: z.object({ shape: z.array(z.union([z.number().int(), z.string()])), meaning: z.string() }),
  }),
  export: z
    .object({
      format: ExportFormatSchema,
      weights: WeightPrecisionSchema,
      quantization: z.string(),
      /** int8-qdq, int8-full: how the activation ranges were calibrated. */
      calibration: CalibrationSchema.optional(),
      files: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative(), gzipBytes: z.number().int().nonnegative() })),
      howToLoad: z.string(),
    })
    .nullable(),
  data: z.object({
    source: z.string().min(1),
    kind: z.string().min(1),
    split: z.object({ train: z.number(), val: z.number(), test: z.number(), by: z.literal('patient'), seed: z.number().int() }),
    counts: z.object({
      trainSlices: z.number().int().nonnegative().nullable(),
      valSlices: z.number().int().nonnegative().nullable(),
      /** null in a preview: nothing has been evaluated yet. */
      evaluatedSlices: z.number().int().nonnegative().nullable(),
      evaluatedCases: z.number().int().nonnegative().nullable(),
    }),
    /** Which split the metrics below were measured on. */
    evaluatedOn: z.enum(['val', 'test']),
  }),
  method: z.object({
    optimizer: z.string().min(1),
    varLambda: z.number().nonnegative(),
    var: z.boolean(),
    lr: z.number(),
    momentum: z.number(),
    weightDecay: z.number(),
    rho: z.number().optional(),
    cramSparsities: z.array(z.number()).optional(),
    /** SAM / CrAM with VAR: the ascent followed the whole objective or the data loss only (docs/method.md). */
    ascent: z.enum(ascentKinds).optional(),
    epochs: z.number().int().positive(),
    epochsCompleted: z.number().int().nonnegative(),
    batchSize: z.number().int().positive(),
    backend: z.object({ name: z.string().min(1), detail: z.string(), adapter: GpuAdapterSchema.optional() }),
  }),
  sparsity: PruneSummarySchema.extend({ kernels: z.number().int().nonnegative(), kernelsNonZero: z.number().int().nonnegative() }),
  metrics: z.object({
    policy: z.string(),
    levels: z.array(CardLevelSchema).min(1),
    /** The exported file itself, run back; null in a preview (nothing written or measured yet). */
    exported: ArtifactCheckSchema.nullable(),
  }),
  size: SizeReportSchema.nullable(),
  intendedUse: z.string().min(1),
  limitations: z.array(z.string().min(1)).min(1),
  disclaimer: z.literal(DISCLAIMER),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

export const INTENDED_USE =
  'Research and engineering: studying how lesion segmentation networks trained with and without the Variance ' +
  'Amplifying Regularizer (VAR) survive one-shot magnitude pruning, and testing pruned, quantized models on edge ' +
  'runtimes (onnxruntime, TensorFlow.js). Inputs must be preprocessed like the training data.';

/** Limitations that hold for every studio export; the job adds the ones specific to the run. */
export const BASE_LIMITATIONS = [
  'Validated only on the evaluation split listed above, which comes from the same source as the training data; performance on other scanners, sequences, institutions or populations is unknown.',
  'Pruned in one shot without fine-tuning.',
  'Unstructured sparsity does not make dense kernels faster: latency is that of the dense model, the gain is in compressed size.',
  'Outputs a per-pixel probability for a single lesion class on 2-D slices; it does not detect, grade or diagnose disease.',
];

/** The quantization limitation of every export but the static int8 ones (int8-qdq, int8-full). */
export const WEIGHT_ONLY_LIMITATION =
  'Quantization, if any, is weight-only: the weights are converted back to float32 at load and every layer computes in float32.';
/** The quantization limitation of an int8-qdq export. */
export const QDQ_LIMITATION =
  'int8-qdq: activations are rounded to 8 bits with ranges calibrated on training slices; inputs far outside the training intensities saturate. Integer kernels need a runtime with QDQ support (onnxruntime); other runtimes may run it dequantized in float32.';
/** The quantization limitation of an int8-full export. */
export const INT8_FULL_LIMITATION =
  'int8-full: activations are rounded to 8 bits with ranges calibrated on training slices; inputs far outside the training intensities saturate, and the output probability is rounded to steps of 1/256. Every TFLite runtime runs it in int8 (it has no float kernels to fall back on).';

export function parseModelCard(raw: unknown): ModelCard {
  return ModelCardSchema.parse(raw);
}
