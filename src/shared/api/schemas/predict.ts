/** Input and output schemas of the predict.* calls (entries in src/shared/api/contract.ts). */
import { z } from 'zod';
import { PredictConfigSchema, PredictFormatSchema } from '../../predict/config';
import { PredictionSummarySchema } from '../../predict/result';
import { JobIdSchema, JobSchema } from './jobs';

export const PredictStartInputSchema = PredictConfigSchema.extend({
  runId: z.string().min(1).max(128),
  /** The scan on the studio machine: a DICOM series folder, a NIfTI volume, PNG slices… */
  input: z.string().min(1).max(4096),
  inputFormat: z.enum(['lgg', 'dicom', 'nifti', 'png', 'decathlon', 'brats']).optional(),
  /** Decathlon/nnU-Net and BraTS scans: the scan's channels feeding the model inputs, in order (default: the run's data.channels). */
  channels: z.array(z.string().min(1).max(100)).min(1).max(16).optional(),
  /** Label maps: the values that count as lesion for Dice (default: the run's data.labels, else every non-zero). */
  labels: z.array(z.number().int().min(1).max(65535)).min(1).max(64).optional(),
  /** Mask files written beside predictions.json (SEG for DICOM sources only). */
  formats: z.array(PredictFormatSchema).min(1).max(3).default(['nifti']),
  /** Default: <studio home>/predictions/<prediction id>. */
  outDir: z.string().min(1).max(4096).optional(),
  overwrite: z.boolean().default(false),
  /** Client-chosen job id (unique in the session), to follow job.progress (kind "predict") from the start. */
  jobId: JobIdSchema.optional(),
}).strict();

/** The queued job (kind "predict"; cancel with jobs.cancel) and where its files will be. */
export const PredictStartOutputSchema = JobSchema.extend({
  predictionId: z.string(),
  outDir: z.string(),
});

export const PredictResultInputSchema = z.object({ jobId: JobIdSchema }).strict();
/** A completed prediction job's files and summary (predictions.json). */
export const PredictResultOutputSchema = z.object({
  jobId: z.string(),
  predictionId: z.string(),
  outDir: z.string(),
  summary: PredictionSummarySchema,
});

export const PredictMasksInputSchema = z.object({ predictionId: z.string().min(1).max(100), caseId: z.string().min(1).max(1000) }).strict();
/** One case's predicted masks, level by level, slice by slice (RLE, see shared/metrics/encode). */
export const PredictMasksOutputSchema = z.object({
  caseId: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  levels: z.array(z.object({ sparsity: z.number(), slices: z.array(z.string()) })),
});
export type PredictMasks = z.infer<typeof PredictMasksOutputSchema>;
