/**
 * One compute job at a time: training, resume and the flatness diagnostic all want both cores,
 * so a second job waits in a queue (visible as "queued") instead of halving the speed of both.
 */
import { randomBytes } from 'node:crypto';
import type { TrainingJob, TrainingJobEvent } from '../../../shared/api/schemas/training';
import type { RunRecord } from '../../../shared/run/record';

export type JobOutcome = {
  state: 'completed' | 'cancelled' | 'failed';
  runId?: string;
  error?: RunRecord['error'];
  hessianTopEigenvalue?: number;
};

/** What a job's `start` returns once its thread is running. */
export interface StartedJob {
  runId?: string;
  done: Promise<JobOutcome>;
  cancel(): void;
  /** Hard stop (service shutdown). */
  terminate(): Promise<void>;
}

export interface JobSpec {
  kind: TrainingJob['kind'];
  name: string;
  runId?: string;
  /** Starts the work; `jobId` lets it tag its own events. */
  start(jobId: string, report: (fraction: number, etaSeconds?: number) => void): StartedJob;
  /** Receives every state change of this job (queued, running, ended). */
  onChange(job: TrainingJobEvent): void;
}

interface Entry {
  info: TrainingJob;
  spec: JobSpec;
  started?: StartedJob;
}

const ACTIVE = new Set<TrainingJob['state']>(['queued', 'running']);

export class JobQueue {
  private readonly entries: Entry[] = [];
  private idleWaiters: (() => void)[] = [];

  /** Queues the job and starts it at once when nothing else runs. */
  enqueue(spec: JobSpec): TrainingJob {
    const info: TrainingJob = {
      jobId: `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      kind: spec.kind,
      name: spec.name,
      ...(spec.runId ? { runId: spec.runId } : {}),
      state: 'queued',
      enqueuedAt: new Date().toISOString(),
      fraction: 0,
    };
    const entry: Entry = { info, spec };
    this.entries.push(entry);
    this.renumber();
    this.changed(entry);
    this.pump();
    return { ...entry.info };
  }

  /** Queued and running jobs, the running one first. */
  list(): TrainingJob[] {
    return this.entries.map((e) => ({ ...e.info }));
  }

  /** The queued or running job that works on this run, if any. */
  forRun(runId: string): TrainingJob | undefined {
    const e = this.entries.find((x) => x.info.runId === runId);
    return e && { ...e.info };
  }

  /** Queued: dropped at once. Running: asked to stop (the outcome arrives through onChange). */
  cancel(jobId: string): boolean {
    const entry = this.entries.find((e) => e.info.jobId === jobId);
    if (!entry) return false;
    if (entry.info.state === 'queued') {
      this.remove(entry);
      entry.info.state = 'cancelled';
      delete entry.info.position;
      this.changed(entry);
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
      next.started = next.spec.start(info.jobId, (fraction, eta) => {
        info.fraction = fraction;
        if (eta !== undefined) info.etaSeconds = eta;
      });
      if (next.started.runId) info.runId = next.started.runId;
      done = next.started.done;
    } catch (e) {
      done = Promise.reject(e);
    }
    this.changed(next);
    this.renumber(true);
    done
      .catch((e: unknown): JobOutcome => ({ state: 'failed', error: asRunError(e) }))
      .then((outcome) => {
        this.remove(next);
        info.state = outcome.state;
        if (outcome.runId) info.runId = outcome.runId;
        if (outcome.error) info.error = outcome.error;
        if (outcome.state === 'completed') info.fraction = 1;
        delete info.etaSeconds;
        this.changed(next, outcome.hessianTopEigenvalue);
        this.pump();
      });
  }

  private remove(entry: Entry): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
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

  private changed(entry: Entry, hessianTopEigenvalue?: number): void {
    try {
      entry.spec.onChange({ ...entry.info, ...(hessianTopEigenvalue !== undefined ? { hessianTopEigenvalue } : {}) });
    } catch {
      // A listener failure must not wedge the queue.
    }
  }
}

export function isActive(job: TrainingJob): boolean {
  return ACTIVE.has(job.state);
}

function asRunError(e: unknown): NonNullable<RunRecord['error']> {
  if (e && typeof e === 'object' && 'what' in e && 'hint' in e && 'code' in e) {
    const s = e as { code: string; what: string; hint: string; file?: string };
    return { code: s.code, what: s.what, hint: s.hint, ...(s.file ? { file: s.file } : {}) };
  }
  return { code: 'internal', what: `The job failed: ${e instanceof Error ? e.message : String(e)}`, hint: 'Check the settings and try again' };
}
