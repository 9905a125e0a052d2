import { z } from 'zod';
import { pruneFamilies, SweepConfigSchema } from './config';
import { CaseScoreSchema, ScoreSummarySchema, SliceScoreSchema } from '../metrics/schemas';

export const LayerSparsitySchema = z.object({
  name: z.string(),
  total: z.number().int().nonnegative(),
  zeros: z.number().int().nonnegative(),
  sparsity: z.number().min(0).max(1),
  pruned: z.boolean(),
});

/** One scored slice at one level (policy in src/shared/metrics/score.ts) with its predicted mask. */
export const SweepSliceSchema = SliceScoreSchema.extend({
  /** Predicted mask, `encodeMask` format. */
  pred: z.string(),
});
export type SweepSlice = z.infer<typeof SweepSliceSchema>;

/** Channel family: what one level removed (see planChannelPruning). */
export const ChannelLevelSchema = z.object({
  criterion: z.enum(['l1', 'l2', 'bn-gamma']),
  target: z.enum(['params', 'flops']),
  /** The fraction of channels removed from every channel-prunable conv. */
  ratio: z.number().min(0).max(1),
  paramsRemoved: z.number().min(0).max(1),
  flopsRemoved: z.number().min(0).max(1),
  kernelParams: z.object({ before: z.number().int().nonnegative(), after: z.number().int().nonnegative() }),
  flops: z.object({ before: z.number().nonnegative(), after: z.number().nonnegative() }),
  /** Every channel-prunable conv: its channels and how many were kept. */
  layers: z.array(z.object({ name: z.string(), channels: z.number().int().positive(), kept: z.number().int().positive() })),
});
export type ChannelLevel = z.infer<typeof ChannelLevelSchema>;

/**
 * What the device gets at one level (sweep option `measure`): the level's fp32 ONNX file as the
 * export writes it, and (measure `latency`) its wall time in onnxruntime-node timed interleaved
 * with the dense model's file in the same call, so `speedup` is a same-run ratio.
 */
export const LevelMeasuredSchema = z.object({
  /** Bytes of the written .onnx file and of it gzipped at level 9 (the export's size report rule). */
  fileBytes: z.number().int().positive(),
  gzipBytes: z.number().int().positive(),
  latency: z
    .object({
      runtime: z.literal('onnxruntime-node'),
      threads: z.number().int().positive(),
      /** [N, H, W, C] of the timed input (batch 1). */
      inputShape: z.array(z.number().int().positive()),
      /** Interleaved rounds timed, after `warmup` untimed ones. */
      runs: z.number().int().positive(),
      warmup: z.number().int().nonnegative(),
      medianMs: z.number().nonnegative(),
      q25Ms: z.number().nonnegative(),
      q75Ms: z.number().nonnegative(),
      minMs: z.number().nonnegative(),
      /** The dense (unpruned) model's file, timed in the same rounds. */
      dense: z.object({ medianMs: z.number().nonnegative(), q25Ms: z.number().nonnegative(), q75Ms: z.number().nonnegative() }),
      /** dense.medianMs / medianMs: above 1 the level runs faster than the dense model. */
      speedup: z.number().positive(),
    })
    .optional(),
});
export type LevelMeasured = z.infer<typeof LevelMeasuredSchema>;

/**
 * One pruning level of one run. Record version 4 (version 3 had no `measured`; version 2 had no
 * pruning family: all its sweeps are unstructured; version 1 called the slice rows `perCase`).
 */
export const PruneLevelSchema = z.object({
  /** Requested fraction: sparsity (unstructured) or fraction of the channel target removed (channel). */
  sparsity: z.number().min(0).max(1),
  /**
   * unstructured: zeros / size over the pruned tensors, exact (see pruneWeights). channel: the
   * fraction of the target (kernel weights or FLOPs) removed with the channels.
   */
  achieved: z.number().min(0).max(1),
  /**
   * Fraction of every rank>1 tensor's elements that are zero (unstructured; differs from
   * achieved with keepFirstLast) or gone (channel).
   */
  overall: z.number().min(0).max(1),
  /** Channel family: the channels removed and the rebuilt network's size. */
  channel: ChannelLevelSchema.optional(),
  threshold: z.number().optional(),
  /** The scoring module's summary: headline `caseDice` and the named secondary metrics. */
  summary: ScoreSummarySchema,
  /** Per rank>1 tensor; channel family: `zeros` counts the elements removed with their channels. */
  perLayer: z.array(LayerSparsitySchema),
  /** One row per scored slice, in the order of the record's `slices`. */
  perSlice: z.array(SweepSliceSchema),
  /** One row per case (patient volume), in order of first appearance. */
  perCase: z.array(CaseScoreSchema),
  /** BatchNorm re-estimation done for this level, if any. */
  bn: z.object({ layers: z.number().int().nonnegative(), images: z.number().int().nonnegative() }).optional(),
  /** ONNX scoring: size of the exported model (the proof it loaded and ran). */
  onnxBytes: z.number().int().positive().optional(),
  /** The level's exported file measured (config `measure`); absent with `none` and in records before version 4. */
  measured: LevelMeasuredSchema.optional(),
  seconds: z.number().nonnegative(),
});
export type PruneLevel = z.infer<typeof PruneLevelSchema>;

/**
 * THE ONNX size shown for a level (CLI table, Sweep view): the written file when the level was
 * measured, else the scored in-memory export, which lacks only the file's metadata (model-card
 * fields, about 160 bytes).
 */
export function levelOnnxBytes(level: Pick<PruneLevel, 'onnxBytes' | 'measured'>): number | undefined {
  return level.measured?.fileBytes ?? level.onnxBytes;
}

export const SweepStatusSchema = z.enum(['running', 'completed', 'cancelled', 'failed']);
export type SweepStatus = z.infer<typeof SweepStatusSchema>;

/** `<runDir>/sweeps/<sweepId>.json`: one run's results of one sweep, rewritten atomically after every level. */
export const SweepRecordSchema = z.object({
  version: z.literal(4),
  sweepId: z.string().min(1),
  runId: z.string().min(1),
  /** Every run of the same sweep (a sweep may compare several runs). */
  runIds: z.array(z.string()),
  config: SweepConfigSchema,
  status: SweepStatusSchema,
  error: z.object({ code: z.string(), what: z.string(), hint: z.string(), file: z.string().optional() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  /** tfjs backend used to load, prune and (scorer tfjs) predict. */
  backend: z.string(),
  /** [H, W, C] of the model input. */
  inputShape: z.array(z.number().int().positive()),
  unit: z.enum(['mm', 'px']),
  /** The scored slices in order, with their true masks (`encodeMask`). perSlice rows follow this order. */
  slices: z.array(z.object({ caseId: z.string(), index: z.number().int().nonnegative(), truth: z.string() })),
  levels: z.array(PruneLevelSchema),
  seconds: z.number().nonnegative(),
});
export type SweepRecord = z.infer<typeof SweepRecordSchema>;

/** `<runDir>/sweeps/<sweepId>.images.json`: the scored slices for the viewer, one channel, 8-bit. */
export const SweepImagesSchema = z.object({
  version: z.literal(1),
  size: z.number().int().positive(),
  /** Which input channel is shown (FLAIR for 3-channel LGG-like data). */
  channel: z.number().int().nonnegative(),
  slices: z.array(z.object({ caseId: z.string(), index: z.number().int().nonnegative(), image: z.string() })),
});
export type SweepImages = z.infer<typeof SweepImagesSchema>;

/** What a run's sweep list shows without loading every record. */
export const SweepSummarySchema = z.object({
  sweepId: z.string(),
  runId: z.string(),
  status: SweepStatusSchema,
  createdAt: z.string(),
  scorer: z.enum(['onnx', 'tfjs']),
  family: z.enum(pruneFamilies),
  scope: z.enum(['global', 'layerwise']),
  split: z.enum(['val', 'test']),
  slices: z.number().int().nonnegative(),
  /** Per finished level: requested sparsity and the headline, mean per-case Dice (std over cases). */
  levels: z.array(
    z.object({ sparsity: z.number(), achieved: z.number(), caseDice: z.number().nullable(), caseDiceStd: z.number().nullable() }),
  ),
  error: z.string().optional(),
});
export type SweepSummary = z.infer<typeof SweepSummarySchema>;

export function summarizeSweep(r: SweepRecord): SweepSummary {
  return {
    sweepId: r.sweepId,
    runId: r.runId,
    status: r.status,
    createdAt: r.createdAt,
    scorer: r.config.scorer,
    family: r.config.family,
    scope: r.config.scope,
    split: r.config.split,
    slices: r.slices.length,
    levels: r.levels.map((l) => ({
      sparsity: l.sparsity,
      achieved: l.achieved,
      caseDice: l.summary.caseDice.mean,
      caseDiceStd: l.summary.caseDice.std,
    })),
    ...(r.error ? { error: r.error.what } : {}),
  };
}
