/**
 * Payloads of the `jobs.*` calls and the `job.changed` event (entries in src/shared/api/contract.ts).
 * Every long operation the studio starts (training, resume, flatness, sweep, export, ...) is a job
 * of ONE queue: jobs run one at a time (they all want both cores), the others wait, visible as
 * "queued". Every call that starts work returns its Job.
 */
import { z } from 'zod';
import { RunErrorSchema } from '../../run/record';

export const JobIdSchema = z.string().min(1).max(200);

/**
 * What the job does: `train`, `resume`, `flatness`, `sweep`, `export` (a service adds a kind by
 * queueing jobs of it: src/main/services/jobs.ts). A string, so a new kind needs no contract change.
 */
export const JobKindSchema = z.string().min(1).max(40);
export const JobStateSchema = z.enum(['queued', 'running', 'completed', 'cancelled', 'failed']);

export const JobSchema = z.object({
  jobId: z.string(),
  kind: JobKindSchema,
  /** What the user calls it (the run's name, "sweep of 2 runs", ...). */
  name: z.string(),
  /** The run the job works on, when it works on one (a new run: known once it starts). */
  runId: z.string().optional(),
  state: JobStateSchema,
  /** 1-based place in the queue while queued. */
  position: z.number().int().positive().optional(),
  enqueuedAt: z.string(),
  startedAt: z.string().optional(),
  fraction: z.number().min(0).max(1),
  etaSeconds: z.number().nonnegative().optional(),
  message: z.string().optional(),
  error: RunErrorSchema.optional(),
  /** Numbers the job ended with (e.g. flatness: hessianTopEigenvalue). */
  metrics: z.record(z.string(), z.number()).optional(),
});
export type Job = z.infer<typeof JobSchema>;
export type JobState = z.infer<typeof JobStateSchema>;

export const JobsListInputSchema = z.object({}).strict().optional();
export const JobsListOutputSchema = z.object({
  /** Queued and running jobs of this session, the running one first. */
  jobs: z.array(JobSchema),
});

export const JobsCancelInputSchema = z.object({ jobId: JobIdSchema }).strict();
export const JobsCancelOutputSchema = z.object({
  /** False when the job had already ended (or never existed in this session). */
  cancelled: z.boolean(),
});
