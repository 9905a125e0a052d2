/** Input and output schemas of the sweep.* calls (entries in src/shared/api/contract.ts). */
import { z } from 'zod';
import { SweepConfigSchema } from '../../sweep/config';
import { SweepImagesSchema, SweepRecordSchema, SweepSummarySchema } from '../../sweep/result';
import { JobSchema } from './jobs';

const RunIdSchema = z.string().min(1).max(128);
const SweepIdSchema = z.string().min(1).max(100);

export const SweepStartInputSchema = z
  .object({
    runIds: z.array(RunIdSchema).min(1).max(16),
    config: SweepConfigSchema.prefault({}),
  })
  .strict();
/** A sweep job of this session, queued or running (its records on disk say `running` meanwhile); its jobId is its sweepId. */
export const ActiveSweepSchema = JobSchema.extend({
  sweepId: z.string(),
  runIds: z.array(z.string()),
  levels: z.array(z.number()),
});

/** The queued sweep: cancel it with jobs.cancel; its progress arrives as job.progress (kind "sweep"). */
export const SweepStartOutputSchema = ActiveSweepSchema;

/** A run that can be swept (completed), with its stored sweeps. */
export const SweepableRunSchema = z.object({
  runId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  /** Optimizer method and VAR weight: runs that share them are seeds of one "method" in the chart. */
  method: z.string(),
  varLambda: z.number(),
  seed: z.number(),
  inputSize: z.number().int().positive(),
  /** Failed-training check of the run (src/shared/run/trainingCheck.ts). */
  trainingVerdict: z.enum(['learned', 'failed', 'unknown']).default('unknown'),
  sweeps: z.array(SweepSummarySchema),
});

export const SweepListInputSchema = z.object({ runId: RunIdSchema.optional() }).strict().optional();
export const SweepListOutputSchema = z.object({
  runs: z.array(SweepableRunSchema),
  active: z.array(ActiveSweepSchema),
  /** Unreadable runs or sweep files, reported rather than fatal. */
  problems: z.array(z.string()),
});

export const SweepGetInputSchema = z.object({ runId: RunIdSchema, sweepId: SweepIdSchema }).strict();
export const SweepGetOutputSchema = SweepRecordSchema;

export const SweepImagesInputSchema = z
  .object({ runId: RunIdSchema, sweepId: SweepIdSchema, caseIds: z.array(z.string().max(256)).max(1000).optional() })
  .strict();
export const SweepImagesOutputSchema = SweepImagesSchema;
