/** Record shapes of the scoring module (`score.ts`), shared by every record that stores scores. */
import { z } from 'zod';

export const SummarySchema = z.object({
  /** Values that entered the statistics. */
  n: z.number().int().nonnegative(),
  mean: z.number().nullable(),
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: z.number().nullable(),
  median: z.number().nullable(),
});

/** How often something was predicted where the true mask is empty. */
export const FalsePositiveRateSchema = z.object({
  /** Lesion-free items (slices or cases). */
  n: z.number().int().nonnegative(),
  /** Of those, the ones with at least one predicted pixel. */
  withPrediction: z.number().int().nonnegative(),
  /** withPrediction / n; null when there is no lesion-free item. */
  rate: z.number().min(0).max(1).nullable(),
});
export type FalsePositiveRate = z.infer<typeof FalsePositiveRateSchema>;

/** One scored slice. Dice, IoU and HD95 are null where the true mask is empty (see score.ts). */
export const SliceScoreSchema = z.object({
  caseId: z.string(),
  index: z.number().int().nonnegative(),
  /** The true mask has at least one foreground pixel. */
  lesion: z.boolean(),
  dice: z.number().nullable(),
  iou: z.number().nullable(),
  /** MedPy's pooled HD95 of this slice; null unless both masks are non-empty. */
  hd95: z.number().nullable(),
  /** Predicted pixels outside the true mask. */
  fpPixels: z.number().int().nonnegative(),
});
export type SliceScore = z.infer<typeof SliceScoreSchema>;

/** One case (patient volume): its scored slices stacked in slice order. */
export const CaseScoreSchema = z.object({
  caseId: z.string(),
  slices: z.number().int().positive(),
  lesion: z.boolean(),
  /** Per-case Dice of the volume; null when the case has no lesion (policy in score.ts). */
  dice: z.number().nullable(),
  iou: z.number().nullable(),
  /** HD95, MedPy definition: 95th percentile of the pooled distances of both directions. */
  hd95Pooled: z.number().nullable(),
  /** HD95, MONAI definition: max of the two directed 95th percentiles. */
  hd95MaxDirected: z.number().nullable(),
  truePixels: z.number().int().nonnegative(),
  predPixels: z.number().int().nonnegative(),
  fpPixels: z.number().int().nonnegative(),
});
export type CaseScore = z.infer<typeof CaseScoreSchema>;

/** The numbers every view, record and report shows for one model on one set of cases. */
export const ScoreSummarySchema = z.object({
  cases: z.number().int().nonnegative(),
  slices: z.number().int().nonnegative(),
  lesionCases: z.number().int().nonnegative(),
  lesionSlices: z.number().int().nonnegative(),
  /** THE headline: per-case (volume) Dice over the cases with a lesion. */
  caseDice: SummarySchema,
  caseIoU: SummarySchema,
  /** Per-slice Dice over the slices whose true mask is not empty. */
  lesionSliceDice: SummarySchema,
  falsePositiveEmptySlices: FalsePositiveRateSchema,
  falsePositiveEmptyCases: FalsePositiveRateSchema,
  /** Over lesion cases with a non-empty prediction; unit in hd95Unit. */
  hd95Pooled: SummarySchema,
  hd95MaxDirected: SummarySchema,
  /** Lesion cases with nothing predicted: no HD95 (an infinite distance), left out of the HD95 statistics. */
  hd95Missing: z.number().int().nonnegative(),
  /** 'px' = voxel steps (the slice axis counts one step per scored slice); 'mm' only with a known 3-D spacing. */
  hd95Unit: z.enum(['mm', 'px']),
});
export type ScoreSummary = z.infer<typeof ScoreSummarySchema>;
