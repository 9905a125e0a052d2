/**
 * The job service: ONE queue for every kind of long operation (training, resume, flatness,
 * sweep, export; a new kind = a service that queues requests of it), with one cancel, one list,
 * and one pair of events for all: `job.changed` (state) and `job.progress` (progress; its
 * `state` also says how the job ended). The work itself runs in child processes
 * (src/node/jobs/host.ts); feature services only say how to start it.
 */
import type { EventBus } from '../../shared/api/bus';
import type { CallName, JobProgress } from '../../shared/api/contract';
import type { Job } from '../../shared/api/schemas/jobs';
import { StudioError } from '../../shared/errors';
import { JobQueue, type JobOutcome, type JobRequest, type JobUpdate } from './jobs/queue';
import type { Service } from './types';

export type { JobOutcome, JobRequest, JobUpdate, StartedJob } from './jobs/queue';

type JobsCall = Extract<CallName, `jobs.${string}`>;

export interface JobService extends Service<JobsCall> {
  enqueue(request: JobRequest): Job;
  list(): Job[];
  /** The queued or running job that reads or writes this run. */
  forRun(runId: string): Job | undefined;
  /** The outcome of an ended job of this session (recent ones). */
  outcome(jobId: string): { job: Job; outcome?: JobOutcome } | undefined;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  dispose(): Promise<void>;
}

const ENDED: Record<JobOutcome['state'], JobProgress['state']> = { completed: 'done', cancelled: 'cancelled', failed: 'failed' };

export function createJobService(events: EventBus): JobService {
  const progressOf = (job: Job, u: Partial<JobUpdate> = {}): JobProgress => ({
    jobId: job.jobId,
    kind: job.kind,
    fraction: job.fraction,
    ...(job.etaSeconds !== undefined ? { etaSeconds: job.etaSeconds } : {}),
    ...(job.message !== undefined ? { message: job.message } : {}),
    ...(u.step !== undefined ? { step: u.step } : {}),
    ...(u.totalSteps !== undefined ? { totalSteps: u.totalSteps } : {}),
    ...(u.metrics ? { metrics: u.metrics } : {}),
    state: job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled' ? ENDED[job.state] : 'running',
  });
  const queue = new JobQueue({
    changed: (job) => {
      events.emit('job.changed', job);
      if (job.state !== 'queued') events.emit('job.progress', progressOf(job));
    },
    progress: (job, u) => events.emit('job.progress', progressOf(job, u)),
  });

  return {
    enqueue: (request) => queue.enqueue(request),
    list: () => queue.list(),
    forRun: (runId) => queue.forRun(runId),
    outcome: (jobId) => queue.get(jobId),
    idle: () => queue.idle(),
    dispose: () => queue.dispose(),
    handlers: {
      'jobs.list': async () => ({ jobs: queue.list() }),
      'jobs.cancel': async (input) => ({ cancelled: queue.cancel(input.jobId) }),
    },
  };
}

/** The StudioError a failed or cancelled job ended with, to rethrow where its result is asked for. */
export function jobError(job: Job): StudioError {
  const e = job.error ?? {
    code: job.state === 'cancelled' ? 'cancelled' : 'internal',
    what: `Job ${job.jobId} was ${job.state}`,
    hint: 'Start it again',
  };
  return new StudioError({ ...e, code: e.code as StudioError['code'] });
}
