import { z } from 'zod';
import { BackendInfoSchema } from '../backend';
import { RunConfigSchema } from './config';
import { TrainingCheckSchema } from './trainingCheck';

/** The backend a run trained on (the API's BackendInfo). */
export const RunBackendSchema = BackendInfoSchema;

export const HistogramSchema = z.object({
  /** bins + 1 edges, fixed for every run (see HISTOGRAM_RANGE) so histograms overlay bin for bin. */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
  /** Weights outside [edges[0], edges[last]], counted in the end bins. */
  clipped: z.number().int().nonnegative(),
});

export const LayerStatsSchema = z.object({
  name: z.string(),
  count: z.number().int().nonnegative(),
  mean: z.number(),
  /** Population standard deviation (the Var in psi). */
  std: z.number().nonnegative(),
  /** Fraction of |w| < 1e-3. */
  fracBelow1e3: z.number().min(0).max(1),
});

/** Statistics of the rank>1 weights (conv and dense kernels): what VAR acts on and pruning removes. */
export const WeightStatsSchema = z.object({
  perLayer: z.array(LayerStatsSchema),
  global: LayerStatsSchema.omit({ name: true }).extend({ histogram: HistogramSchema }),
});
export type WeightStats = z.infer<typeof WeightStatsSchema>;

export const EpochRecordSchema = z.object({
  /** 0-based. */
  epoch: z.number().int().nonnegative(),
  /** Mean data loss (BCE + soft Dice) over the epoch's steps, without the VAR term. */
  trainLoss: z.number(),
  /** Mean lambda * psi over the epoch's steps (0 when VAR is off). */
  varPenalty: z.number(),
  /**
   * Dense model on the validation split: the headline per-case Dice of the scoring module
   * (src/shared/metrics/score.ts). Null without a validation case with a lesion, and in records
   * written before it existed (those hold only `valDice`).
   */
  valCaseDice: z.number().nullable().default(null),
  /**
   * Old records only: a per-slice mean where an empty slice predicted empty scored 1. Not
   * comparable with valCaseDice and never shown as Dice.
   */
  valDice: z.number().nullable().optional(),
  /** Validation per-case Dice of a model that predicts no lesion: the failed-training baseline. */
  valNothingCaseDice: z.number().nullable().default(null),
  /** Learning rate of the epoch's last step. */
  lr: z.number(),
  /** Wall time of the epoch: steps + validation + statistics + checkpoint. */
  seconds: z.number().nonnegative(),
  /** Training images per second over the epoch's steps. */
  imagesPerSec: z.number().nonnegative(),
  steps: z.number().int().nonnegative(),
  weightStats: WeightStatsSchema,
});
export type EpochRecord = z.infer<typeof EpochRecordSchema>;

export const RunStatusSchema = z.enum(['running', 'completed', 'cancelled', 'failed']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunErrorSchema = z.object({
  code: z.string(),
  what: z.string(),
  hint: z.string(),
  file: z.string().optional(),
});

export const HessianRecordSchema = z.object({
  /** Largest algebraic eigenvalue of the Hessian of the data loss (sharpness). */
  topEigenvalue: z.number(),
  /** Largest-magnitude eigenvalue; differs from topEigenvalue when it is negative. */
  dominantEigenvalue: z.number(),
  history: z.array(z.number()),
  iterations: z.number().int().nonnegative(),
  /** Finite-difference step along the unit direction. */
  h: z.number().positive(),
  batchSize: z.number().int().positive(),
  /** Which weights: the final model, or the last checkpoint when the run did not complete. */
  weights: z.enum(['final', 'checkpoint']),
  /** BatchNorm uses its moving statistics, so the loss is a fixed function of the weights. */
  batchNorm: z.literal('inference'),
  seconds: z.number().nonnegative(),
  computedAt: z.string(),
});
export type HessianRecord = z.infer<typeof HessianRecordSchema>;

export const RunTimingsSchema = z.object({
  /** Sum over all sessions (a resume starts a new session). */
  totalSeconds: z.number().nonnegative(),
  trainSeconds: z.number().nonnegative(),
  validationSeconds: z.number().nonnegative(),
  statsSeconds: z.number().nonnegative(),
  checkpointSeconds: z.number().nonnegative(),
  /** Data loading and model building, before the first step. */
  setupSeconds: z.number().nonnegative(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** How many times the run was resumed. */
  resumes: z.number().int().nonnegative(),
});

export const RunRecordSchema = z.object({
  id: z.string().min(1),
  config: RunConfigSchema,
  backend: RunBackendSchema,
  status: RunStatusSchema,
  error: RunErrorSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  timings: RunTimingsSchema,
  /** The data actually used: sizes, and (when loaded from config.data) the dataset id and the case split. */
  data: z
    .object({
      trainSamples: z.number().int().nonnegative(),
      valSamples: z.number().int().nonnegative(),
      testSamples: z.number().int().nonnegative().optional(),
      datasetId: z.string().optional(),
      /** Case ids per part: the pruning sweep scores exactly `split.test`; a resume checks it is unchanged. */
      split: z.object({ train: z.array(z.string()), val: z.array(z.string()), test: z.array(z.string()) }).optional(),
    })
    .optional(),
  epochs: z.array(EpochRecordSchema),
  /** Failed-training check after the last trained epoch (src/shared/run/trainingCheck.ts). */
  trainingCheck: TrainingCheckSchema.optional(),
  hessian: HessianRecordSchema.optional(),
  /** Convenience copy of hessian.topEigenvalue. */
  hessianTopEigenvalue: z.number().optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
