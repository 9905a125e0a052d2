import { z } from 'zod';
import { PredictConfigSchema, PredictFormatSchema } from './config';

/** One pruned copy's answer on one case. Volumes are in mL (1 mL = 1000 mm³). */
export const PredictedLevelSchema = z.object({
  sparsity: z.number(),
  /** Lesion voxels in the case. */
  voxels: z.number().int().nonnegative(),
  /** voxels x voxel volume; null when the scan records no pixel spacing. */
  volumeMl: z.number().nullable(),
  /** volumeMl minus the first (least pruned) level's; null without spacing. */
  deltaMl: z.number().nullable(),
  /**
   * Against the scan's own mask, per case (3-D, the whole volume) by the scoring module; null when
   * the scan has no mask or its mask is empty (no lesion to overlap: see src/shared/metrics).
   */
  dice: z.number().nullable(),
  iou: z.number().nullable(),
  /** Pooled HD95 (MedPy), mm (voxel steps without spacing); null when either mask is empty. */
  hd95: z.number().nullable(),
  /** Files written for this case and level, relative to the output folder. */
  files: z.array(z.object({ format: PredictFormatSchema, path: z.string() })),
});
export type PredictedLevel = z.infer<typeof PredictedLevelSchema>;

export const PredictedCaseSchema = z.object({
  caseId: z.string(),
  /** What the scan was read from: a file name or a DICOM series. */
  source: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  depth: z.number().int(),
  /** [row mm, column mm]. */
  spacing: z.tuple([z.number(), z.number()]).nullable(),
  /** Slice step used for volumes (mm) and where it came from. */
  sliceStep: z.number().nullable(),
  sliceStepFrom: z.enum(['positions', 'nifti', 'thickness', 'none']),
  voxelMl: z.number().nullable(),
  hasMask: z.boolean(),
  levels: z.array(PredictedLevelSchema),
});
export type PredictedCase = z.infer<typeof PredictedCaseSchema>;

/** `predictions.json`, written beside the mask files. */
export const PredictionSummarySchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  runName: z.string(),
  input: z.string(),
  format: z.string(),
  /** Multi-channel layouts: the scan's channels that fed the model, in model input order. */
  channels: z.array(z.string()).optional(),
  /** Label maps: the label values that counted as lesion (for Dice); absent = every non-zero. */
  lesionLabels: z.array(z.number().int()).optional(),
  config: PredictConfigSchema,
  /** Per requested level: the fraction of prunable weights actually zero. */
  levels: z.array(z.object({ sparsity: z.number(), achieved: z.number() })),
  modelInput: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  backend: z.string(),
  cases: z.array(PredictedCaseSchema),
  warnings: z.array(z.string()),
  seconds: z.number(),
  createdAt: z.string(),
});
export type PredictionSummary = z.infer<typeof PredictionSummarySchema>;
