/**
 * One compute job at a time: training, resume, flatness, sweeps and exports all want both cores,
 * so a second job waits in a queue (visible as "queued") instead of halving the speed of both.
 */
import { randomBytes } from 'node:crypto';
import type { Job, JobState } from '../../../shared/api/schemas/jobs';
import { StudioError } from '../../../shared/errors';
import type { IProgress, ProgressStep } from '../../../shared/progress';
import type { RunRecord } from '../../../shared/run/record';

type JobError = NonNullable<RunRecord['error']>;

/** How a job ended. `result` is kept for the session (e.g. export.result reads it). */
export interface JobOutcome {
  state: 'completed' | 'cancelled' | 'failed';
  runId?: string;
  error?: JobError;
  /** Numbers to show with the ended job (e.g. the flatness estimate). */
  metrics?: Record<string, number>;
  /** One sentence for the end event ("Exported 2 file sets"). */
  message?: string;
  result?: unknown;
}

/** What a job reports while it runs. */
export interface JobUpdate extends ProgressStep {
  metrics?: Record<string, number>;
}

/** What a job's `start` returns once its process is running. */
export interface StartedJob {
  runId?: string;
  done: Promise<JobOutcome>;
  cancel(): void;
  /** Hard stop (service shutdown). */
  terminate(): Promise<void>;
}

/** Work to queue. Adding a kind of job = queueing requests of that kind. */
export interface JobRequest {
  kind: string;
  name: string;
  runId?: string;
  /** Every run the job reads or writes (a run cannot be deleted or resumed meanwhile). */
  runIds?: string[];
  /** A caller-chosen id (unique in this session); default: generated. */
  jobId?: string;
  /** Starts the work when the job reaches the head of the queue. Throwing = the job failed. */
  start(job: { jobId: string; progress: IProgress<JobUpdate> }): StartedJob;
}

export interface QueueListener {
  /** A job changed state (queued, moved up, started, ended). */
  changed(job: Job): void;
  progress(job: Job, update: JobUpdate): void;
}

interface Entry {
  info: Job;
  request: JobRequest;
  started?: StartedJob;
  outcome?: JobOutcome;
}

/** Ended jobs kept for results and late questions; older ones are forgotten. */
const KEEP_ENDED = 50;

export class JobQueue {
  private readonly entries: Entry[] = [];
  private readonly ended: Entry[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly listener: QueueListener) {}

  /** Queues the job and starts it at once when nothing else runs. */
  enqueue(request: JobRequest): Job {
    if (request.jobId && this.find(request.jobId)) {
      throw new StudioError({ code: 'exists', what: `Job ${request.jobId} already exists in this session`, hint: 'Use a new job id' });
    }
    const info: Job = {
      jobId: request.jobId ?? `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      kind: request.kind,
      name: request.name,
      ...(request.runId ? { runId: request.runId } : {}),
      state: 'queued',
      enqueuedAt: new Date().toISOString(),
      fraction: 0,
    };
    const entry: Entry = { info, request };
    this.entries.push(entry);
    this.renumber();
    this.changed(entry);
    this.pump();
    return { ...entry.info };
  }

  /** Queued and running jobs, the running one first. */
  list(): Job[] {
    return this.entries.map((e) => ({ ...e.info }));
  }

  /** A queued, running or recently ended job. */
  get(jobId: string): { job: Job; outcome?: JobOutcome } | undefined {
    const e = this.find(jobId);
    return e && { job: { ...e.info }, ...(e.outcome ? { outcome: e.outcome } : {}) };
  }

  /** The queued or running job that works on this run, if any. */
  forRun(runId: string): Job | undefined {
    const e = this.entries.find((x) => x.info.runId === runId || x.request.runIds?.includes(runId));
    return e && { ...e.info };
  }

  /** Queued: dropped at once. Running: asked to stop (the outcome arrives through the listener). */
  cancel(jobId: string): boolean {
    const entry = this.entries.find((e) => e.info.jobId === jobId);
    if (!entry) return false;
    if (entry.info.state === 'queued') {
      this.finish(entry, { state: 'cancelled' });
      this.renumber(true);
      return true;
    }
    entry.started?.cancel();
    return true;
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops the queue and stops the running job hard (shutdown, tests). */
  async dispose(): Promise<void> {
    for (const e of this.entries.filter((x) => x.info.state === 'queued')) this.cancel(e.info.jobId);
    await Promise.all(this.entries.map((e) => e.started?.terminate()));
    await this.idle();
  }

  private find(jobId: string): Entry | undefined {
    return this.entries.find((e) => e.info.jobId === jobId) ?? this.ended.find((e) => e.info.jobId === jobId);
  }

  private pump(): void {
    if (this.entries.some((e) => e.info.state === 'running')) return;
    const next = this.entries.find((e) => e.info.state === 'queued');
    if (!next) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
      return;
    }
    const info = next.info;
    info.state = 'running';
    info.startedAt = new Date().toISOString();
    delete info.position;
    let done: Promise<JobOutcome>;
    try {
      next.started = next.request.start({
        jobId: info.jobId,
        progress: {
          report: (u) => {
            info.fraction = Math.min(1, Math.max(0, u.fraction));
            if (u.etaSeconds !== undefined) info.etaSeconds = u.etaSeconds;
            if (u.message !== undefined) info.message = u.message;
            this.safely(() => this.listener.progress({ ...info }, u));
          },
        },
      });
      if (next.started.runId) info.runId = next.started.runId;
      done = next.started.done;
    } catch (e) {
      done = Promise.reject(e);
    }
    this.changed(next);
    this.renumber(true);
    done
      .catch((e: unknown): JobOutcome => ({
        state: e instanceof StudioError && e.code === 'cancelled' ? 'cancelled' : 'failed',
        error: asJobError(e),
      }))
      .then((outcome) => {
        this.finish(next, outcome);
        this.pump();
      });
  }

  private finish(entry: Entry, outcome: JobOutcome): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
    const info = entry.info;
    info.state = outcome.state satisfies JobState;
    delete info.position;
    delete info.etaSeconds;
    if (outcome.runId) info.runId = outcome.runId;
    if (outcome.error) info.error = outcome.error;
    if (outcome.metrics) info.metrics = outcome.metrics;
    if (outcome.message) info.message = outcome.message;
    else if (outcome.error) info.message = `${outcome.error.what}. ${outcome.error.hint}`;
    if (outcome.state === 'completed') info.fraction = 1;
    entry.outcome = outcome;
    this.ended.unshift(entry);
    this.ended.length = Math.min(this.ended.length, KEEP_ENDED);
    this.changed(entry);
  }

  /** Positions are 1-based among queued jobs; with `announce`, moved jobs say so. */
  private renumber(announce = false): void {
    let pos = 0;
    for (const e of this.entries) {
      if (e.info.state !== 'queued') continue;
      pos++;
      if (e.info.position !== pos) {
        e.info.position = pos;
        if (announce) this.changed(e);
      }
    }
  }

  private changed(entry: Entry): void {
    this.safely(() => this.listener.changed({ ...entry.info }));
  }

  /** A listener failure must not wedge the queue (or take the process down from a message handler). */
  private safely(f: () => void): void {
    try {
      f();
    } catch (e) {
      console.error(e);
    }
  }
}

function asJobError(e: unknown): JobError {
  if (e && typeof e === 'object' && 'what' in e && 'hint' in e && 'code' in e) {
    const s = e as { code: string; what: string; hint: string; file?: string };
    return { code: s.code, what: s.what, hint: s.hint, ...(s.file ? { file: s.file } : {}) };
  }
  return {
    code: 'internal',
    what: `The job failed: ${e instanceof Error ? e.message : String(e)}`,
    hint: 'Check the settings and try again',
  };
}
