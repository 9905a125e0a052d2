/**
 * Payloads of the `training.*` and `runs.*` calls and the training event streams (entries in
 * src/shared/api/contract.ts). Run configs and records reuse src/shared/run, so one name keeps
 * one meaning from the job to the UI.
 */
import { z } from 'zod';
import { RunConfigSchema } from '../../run/config';
import { TrainEpochEventSchema, TrainProgressSchema } from '../../run/events';
import { RunErrorSchema, RunRecordSchema, RunStatusSchema } from '../../run/record';
import { JobSchema } from './jobs';

const RunIdSchema = z.string().min(1).max(128);

export const TrainingStartInputSchema = RunConfigSchema;
export const TrainingStartOutputSchema = JobSchema;

export const TrainingResumeInputSchema = z.object({ runId: RunIdSchema }).strict();
export const TrainingResumeOutputSchema = JobSchema;

/** One line of the runs list: what the table shows, without the per-epoch statistics. */
export const RunSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: RunStatusSchema,
  /** The record says running but no job of this studio trains it (the studio stopped mid-run). */
  interrupted: z.boolean(),
  /** Training got as far as its data and model (a run that failed before has nothing to resume). */
  started: z.boolean(),
  /** The job of this session that trains or queues this run. */
  jobId: z.string().optional(),
  backend: z.string(),
  backendDetail: z.string(),
  method: z.string(),
  varLambda: z.number(),
  preset: z.string(),
  inputSize: z.number().int().positive(),
  epochs: z.number().int().positive(),
  epochsDone: z.number().int().nonnegative(),
  lastTrainLoss: z.number().nullable(),
  /** Validation per-case Dice (the headline) after the last epoch. */
  lastValCaseDice: z.number().nullable(),
  /** Failed-training check (src/shared/run/trainingCheck.ts): failed = no better than predicting no lesion. */
  trainingVerdict: z.enum(['learned', 'failed', 'unknown']),
  /** Fraction of |w| < 1e-3 after the last epoch. */
  fracBelow1e3: z.number().nullable(),
  dataLabel: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  totalSeconds: z.number().nonnegative(),
  hessianTopEigenvalue: z.number().optional(),
  error: RunErrorSchema.optional(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const RunsListInputSchema = z.object({}).strict().optional();
export const RunsListOutputSchema = z.object({
  /** Every readable run of the run store, newest first: survives restarts. */
  runs: z.array(RunSummarySchema),
  /** Training, resume and flatness jobs of this session that are queued or running. */
  jobs: z.array(JobSchema),
  /** Unreadable run directories, reported rather than fatal. */
  problems: z.array(z.string()),
});

export const RunIdInputSchema = z.object({ runId: RunIdSchema }).strict();
export const RunsGetOutputSchema = RunRecordSchema;
export const RunsDeleteOutputSchema = z.object({ deleted: z.boolean() });

export const RunsFlatnessInputSchema = z
  .object({
    runId: RunIdSchema,
    iterations: z.number().int().min(1).max(100).optional(),
    batchSize: z.number().int().min(1).max(64).optional(),
  })
  .strict();
export const RunsFlatnessOutputSchema = JobSchema;

/** Step progress of the running training job (at most ~10 per second). */
export const TrainingProgressEventSchema = TrainProgressSchema.extend({ jobId: z.string() });
/** One finished epoch: metrics and the weight histogram. */
export const TrainingEpochEventSchema = TrainEpochEventSchema.extend({ jobId: z.string() });

export type TrainingProgressEvent = z.infer<typeof TrainingProgressEventSchema>;
export type TrainingEpochEvent = z.infer<typeof TrainingEpochEventSchema>;

/** A reason the pre-flight refuses a run (error) or wants the user to know something (warning). */
export const PreflightProblemSchema = z.object({
  severity: z.enum(['error', 'warning']),
  /** The RunConfig field it is about: `data`, `workers`, `batchSize`, `epochs`. */
  field: z.enum(['data', 'workers', 'batchSize', 'epochs']),
  what: z.string(),
  hint: z.string(),
});
export type PreflightProblem = z.infer<typeof PreflightProblemSchema>;

export const TrainingPreflightInputSchema = z.object({ config: RunConfigSchema, calibrate: z.boolean().default(true) }).strict();
export const TrainingPreflightOutputSchema = z.object({
  /** No error among the problems: the run may start. */
  ok: z.boolean(),
  /** CPU cores of the machine the studio runs on (the cap on gradient workers). */
  cores: z.number().int().positive(),
  data: z
    .object({
      cases: z.number().int().nonnegative(),
      casesWithMask: z.number().int().nonnegative(),
      patients: z.number().int().nonnegative(),
      /** Patients per part of the split, as the run will cut it (run seed). */
      split: z.object({ train: z.number().int().nonnegative(), val: z.number().int().nonnegative(), test: z.number().int().nonnegative() }),
      trainSlices: z.number().int().nonnegative(),
      valSlices: z.number().int().nonnegative(),
    })
    .optional(),
  /** From a short calibration on this machine; absent when it was skipped (see estimateNote). */
  estimate: z
    .object({
      seconds: z.number().nonnegative(),
      msPerStep: z.number().nonnegative(),
      steps: z.number().int().nonnegative(),
      backend: z.string(),
    })
    .optional(),
  estimateNote: z.string().optional(),
  problems: z.array(PreflightProblemSchema),
});
export type TrainingPreflight = z.infer<typeof TrainingPreflightOutputSchema>;

export const RunsStepsOutputSchema = z.object({
  /** Step losses as reported while it trained (rate-limited), in step order. */
  points: z.array(
    z.object({
      step: z.number().int().nonnegative(),
      totalSteps: z.number().int().nonnegative(),
      epoch: z.number().int().nonnegative(),
      loss: z.number(),
    }),
  ),
});
