import { z } from 'zod';
import { SweepConfigSchema } from './config';

export const SummarySchema = z.object({
  n: z.number().int().nonnegative(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  median: z.number().nullable(),
});

/** Same fields as `AggregateMetrics` (src/shared/metrics/aggregate.ts). */
export const AggregateSchema = z.object({
  cases: z.number().int().nonnegative(),
  dice: SummarySchema,
  iou: SummarySchema,
  hd95: SummarySchema,
  hd95Missing: z.number().int().nonnegative(),
  emptyTruthCases: z.number().int().nonnegative(),
  emptyTruthWithFalsePositive: z.number().int().nonnegative(),
  emptyTruthFpPixels: z.number().nonnegative(),
});

export const LayerSparsitySchema = z.object({
  name: z.string(),
  total: z.number().int().nonnegative(),
  zeros: z.number().int().nonnegative(),
  sparsity: z.number().min(0).max(1),
  pruned: z.boolean(),
});

/**
 * One scored slice at one level. Metrics follow `caseMetrics`' empty-mask policy: an empty true
 * mask predicted empty scores 1; hd95 is null when exactly one of the masks is empty.
 */
export const SliceScoreSchema = z.object({
  caseId: z.string(),
  index: z.number().int().nonnegative(),
  dice: z.number(),
  iou: z.number(),
  hd95: z.number().nullable(),
  /** False-positive area: mm² when the slice has a spacing, else pixels (see the record's `unit`). */
  fpArea: z.number().nonnegative(),
  /** Predicted mask, `encodeMask` format. */
  pred: z.string(),
});
export type SliceScore = z.infer<typeof SliceScoreSchema>;

/**
 * One case (patient / volume) at one level: overlap over all its scored slices together, so a
 * case's small lesion slices weigh by their pixels rather than one vote each. Both masks empty = 1.
 */
export const VolumeScoreSchema = z.object({
  caseId: z.string(),
  slices: z.number().int().positive(),
  dice: z.number(),
  iou: z.number(),
  /** Sum of the slices' false-positive areas (same unit as the slices'). */
  fpArea: z.number().nonnegative(),
});
export type VolumeScore = z.infer<typeof VolumeScoreSchema>;

export const SweepLevelSchema = z.object({
  /** Requested sparsity. */
  sparsity: z.number().min(0).max(1),
  /** Zeros / size over the pruned tensors, exact (see pruneWeights). */
  achieved: z.number().min(0).max(1),
  /** Zeros / size over every rank>1 tensor (differs from achieved with keepFirstLast). */
  overall: z.number().min(0).max(1),
  threshold: z.number().optional(),
  aggregate: AggregateSchema,
  perLayer: z.array(LayerSparsitySchema),
  perCase: z.array(SliceScoreSchema),
  /** Per case (volume), in order of first appearance; see VolumeScoreSchema. */
  perVolume: z.array(VolumeScoreSchema).default([]),
  /** Dice and IoU statistics over the cases (volumes). */
  volumeAggregate: z.object({ dice: SummarySchema, iou: SummarySchema }).optional(),
  /** BatchNorm re-estimation done for this level, if any. */
  bn: z.object({ layers: z.number().int().nonnegative(), images: z.number().int().nonnegative() }).optional(),
  /** ONNX scoring: size of the exported model (the proof it loaded and ran). */
  onnxBytes: z.number().int().positive().optional(),
  seconds: z.number().nonnegative(),
});
export type SweepLevel = z.infer<typeof SweepLevelSchema>;

export const SweepStatusSchema = z.enum(['running', 'completed', 'cancelled', 'failed']);
export type SweepStatus = z.infer<typeof SweepStatusSchema>;

/** `<runDir>/sweeps/<sweepId>.json`: one run's results of one sweep, rewritten atomically after every level. */
export const SweepRecordSchema = z.object({
  version: z.literal(1),
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
  /** The scored slices in order, with their true masks (`encodeMask`). perCase rows follow this order. */
  slices: z.array(z.object({ caseId: z.string(), index: z.number().int().nonnegative(), truth: z.string() })),
  levels: z.array(SweepLevelSchema),
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
  scope: z.enum(['global', 'layerwise']),
  split: z.enum(['val', 'test']),
  slices: z.number().int().nonnegative(),
  /** Per finished level: requested sparsity and mean Dice. */
  levels: z.array(z.object({ sparsity: z.number(), achieved: z.number(), dice: z.number().nullable(), diceStd: z.number().nullable() })),
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
    scope: r.config.scope,
    split: r.config.split,
    slices: r.slices.length,
    levels: r.levels.map((l) => ({ sparsity: l.sparsity, achieved: l.achieved, dice: l.aggregate.dice.mean, diceStd: l.aggregate.dice.std })),
    ...(r.error ? { error: r.error.what } : {}),
  };
}
