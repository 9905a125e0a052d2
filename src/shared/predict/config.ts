import { z } from 'zod';
import { parseWith } from '../validate';

/** Mask files a prediction can write: NIfTI-1 label volume, DICOM SEG (DICOM sources), one PNG per slice. */
export const PredictFormatSchema = z.enum(['nifti', 'seg', 'png']);
export type PredictFormat = z.infer<typeof PredictFormatSchema>;

/** How a trained run predicts on a new scan: which pruned copies, and when a pixel is lesion. */
export const PredictConfigSchema = z
  .object({
    /** Sparsity fractions in [0, 1); 0 = the trained model as is. Sorted and de-duplicated by `parsePredictConfig`. */
    levels: z.array(z.number().min(0).lt(1)).min(1).max(16).default([0]),
    /** Probability at or above which a pixel is lesion. */
    threshold: z.number().gt(0).lt(1).default(0.5),
    /** Pruning as in the sweep and the export: one global magnitude threshold, or the same fraction per layer. */
    scope: z.enum(['global', 'layerwise']).default('global'),
    keepFirstLast: z.boolean().default(false),
    /** Slices per inference batch. */
    batchSize: z.number().int().min(1).max(256).default(8),
    /**
     * Predict even though the data check found NaN/Inf voxels or blank (constant) volumes in the
     * scan. Default false: such a scan is refused with the same message as in training.
     */
    acceptDataIssues: z.boolean().optional(),
  })
  .strict();

export type PredictConfig = z.infer<typeof PredictConfigSchema>;
export type PredictConfigInput = z.input<typeof PredictConfigSchema>;

export function parsePredictConfig(raw: unknown): PredictConfig {
  const data = parseWith(PredictConfigSchema, raw ?? {}, {
    subject: 'prediction settings',
    hint: 'Levels are fractions in [0, 1), e.g. [0, 0.9]; the threshold is in (0, 1)',
  });
  return { ...data, levels: [...new Set(data.levels)].sort((a, b) => a - b) };
}
