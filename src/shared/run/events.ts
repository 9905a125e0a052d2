import { z } from 'zod';
import { EpochRecordSchema } from './record';

/** Emitted during training at most ~10 times per second. */
export const TrainProgressSchema = z.object({
  runId: z.string(),
  /** 0-based epoch of the current step. */
  epoch: z.number().int().nonnegative(),
  /** Steps done over the whole run (1-based, counting epochs before a resume). */
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().nonnegative(),
  /** step / totalSteps, 0..1. */
  fraction: z.number().min(0).max(1),
  /** Data loss of the latest step. */
  loss: z.number(),
  lr: z.number(),
  imagesPerSec: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative(),
});
export type TrainProgress = z.infer<typeof TrainProgressSchema>;

/** Emitted once per epoch after validation, statistics and the checkpoint are written. */
export const TrainEpochEventSchema = z.object({
  runId: z.string(),
  epochs: z.number().int().positive(),
  record: EpochRecordSchema,
});
export type TrainEpochEvent = z.infer<typeof TrainEpochEventSchema>;
