import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../../../src/shared/api/bus';
import type { EventName, JobProgress } from '../../../../src/shared/api/contract';
import type { Job } from '../../../../src/shared/api/schemas/jobs';
import { StudioError } from '../../../../src/shared/errors';
import { createJobService, type JobOutcome, type JobUpdate } from '../../../../src/main/services/jobs';
import type { IProgress } from '../../../../src/shared/progress';

/** A job whose end the test decides: what the child-process hosts look like to the queue. */
function controllable() {
  let finish!: (o: JobOutcome) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<JobOutcome>((res, rej) => ((finish = res), (fail = rej)));
  const calls = { started: 0, cancelled: 0 };
  let progress: IProgress<JobUpdate> | undefined;
  return {
    calls,
    finish: (o: JobOutcome) => finish(o),
    fail: (e: unknown) => fail(e),
    report: (u: JobUpdate) => progress!.report(u),
    start: (job: { progress: IProgress<JobUpdate> }) => {
      calls.started++;
      progress = job.progress;
      return { done, cancel: () => calls.cancelled++, terminate: async () => finish({ state: 'failed' }) };
    },
  };
}

function setup() {
  const events = createEventBus();
  const seen: { event: EventName; payload: unknown }[] = [];
  events.subscribe((event, payload) => seen.push({ event, payload }));
  const jobs = createJobService(events);
  const of = <T>(name: EventName) => seen.filter((e) => e.event === name).map((e) => e.payload as T);
  return { jobs, of };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('job service (one queue for every kind)', () => {
  it('runs one job at a time in order, whatever the kind, with one event stream for all', async () => {
    const { jobs, of } = setup();
    const a = controllable();
    const b = controllable();
    const c = controllable();
    const ja = jobs.enqueue({ kind: 'train', name: 'a', start: a.start });
    const jb = jobs.enqueue({ kind: 'sweep', name: 'b', runIds: ['r1', 'r2'], start: b.start });
    const jc = jobs.enqueue({ kind: 'export', name: 'c', runId: 'r3', jobId: 'mine', start: c.start });
    expect([ja.state, jb.state, jc.state]).toEqual(['running', 'queued', 'queued']);
    expect([jb.position, jc.position]).toEqual([1, 2]);
    expect(jc.jobId).toBe('mine');
    expect([a.calls.started, b.calls.started, c.calls.started]).toEqual([1, 0, 0]);
    expect(jobs.forRun('r2')?.jobId).toBe(jb.jobId);
    expect(jobs.forRun('r3')?.jobId).toBe('mine');
    expect(() => jobs.enqueue({ kind: 'export', name: 'dup', jobId: 'mine', start: c.start })).toThrow(StudioError);

    a.report({ fraction: 0.5, etaSeconds: 3, message: 'half', step: 5, totalSteps: 10, metrics: { loss: 0.25 } });
    expect(of<JobProgress>('job.progress').at(-1)).toEqual({
      jobId: ja.jobId,
      kind: 'train',
      fraction: 0.5,
      etaSeconds: 3,
      message: 'half',
      step: 5,
      totalSteps: 10,
      metrics: { loss: 0.25 },
      state: 'running',
    });
    expect(jobs.list().map((j) => [j.jobId, j.state, j.fraction])).toEqual([
      [ja.jobId, 'running', 0.5],
      [jb.jobId, 'queued', 0],
      ['mine', 'queued', 0],
    ]);

    // Cancelling a queued job drops it at once; the one behind it moves up.
    expect(await jobs.handlers['jobs.cancel']({ jobId: jb.jobId }, undefined as never)).toEqual({ cancelled: true });
    expect(b.calls.started).toBe(0);
    expect(of<Job>('job.changed').find((j) => j.jobId === jb.jobId && j.state === 'cancelled')).toBeTruthy();
    expect(of<Job>('job.changed').find((j) => j.jobId === 'mine' && j.position === 1)).toBeTruthy();

    a.finish({ state: 'completed', runId: 'r0', metrics: { x: 1 } });
    await tick();
    expect(c.calls.started).toBe(1);
    expect(jobs.outcome(ja.jobId)).toMatchObject({
      job: { state: 'completed', fraction: 1, runId: 'r0', metrics: { x: 1 } },
      outcome: { state: 'completed' },
    });
    expect(of<JobProgress>('job.progress').find((p) => p.jobId === ja.jobId && p.state === 'done')).toMatchObject({ fraction: 1 });

    // A running job is asked to stop; a StudioError 'cancelled' answer ends it cancelled, with its words.
    expect((await jobs.handlers['jobs.list'](undefined, undefined as never)).jobs.map((j) => j.jobId)).toEqual(['mine']);
    await jobs.handlers['jobs.cancel']({ jobId: 'mine' }, undefined as never);
    expect(c.calls.cancelled).toBe(1);
    c.fail(new StudioError({ code: 'cancelled', what: 'The export was cancelled', hint: 'Nothing was written' }));
    await jobs.idle();
    const ended = jobs.outcome('mine')!.job;
    expect(ended).toMatchObject({
      state: 'cancelled',
      error: { code: 'cancelled' },
      message: 'The export was cancelled. Nothing was written',
    });
    expect(of<JobProgress>('job.progress').at(-1)).toMatchObject({ jobId: 'mine', state: 'cancelled' });
    expect(await jobs.handlers['jobs.cancel']({ jobId: 'mine' }, undefined as never)).toEqual({ cancelled: false });
  });

  it('a job that throws at start or fails ends failed with a readable error, and the queue moves on', async () => {
    const { jobs } = setup();
    const bad = jobs.enqueue({
      kind: 'sweep',
      name: 'bad',
      start: () => {
        throw new Error('boom');
      },
    });
    const next = controllable();
    const jn = jobs.enqueue({ kind: 'train', name: 'next', start: next.start });
    await tick();
    expect(jobs.outcome(bad.jobId)!.job).toMatchObject({ state: 'failed', error: { code: 'internal', what: 'The job failed: boom' } });
    expect(next.calls.started).toBe(1);
    next.fail(new StudioError({ code: 'bad-file', what: 'x is broken', hint: 'fix it', file: 'x' }));
    await jobs.idle();
    expect(jobs.outcome(jn.jobId)!.job.error).toEqual({ code: 'bad-file', what: 'x is broken', hint: 'fix it', file: 'x' });
  });

  it('dispose drops the queue and stops the running job', async () => {
    const { jobs } = setup();
    const a = controllable();
    const b = controllable();
    jobs.enqueue({ kind: 'train', name: 'a', start: a.start });
    const jb = jobs.enqueue({ kind: 'train', name: 'b', start: b.start });
    await jobs.dispose();
    expect(jobs.list()).toEqual([]);
    expect(b.calls.started).toBe(0);
    expect(jobs.outcome(jb.jobId)!.job.state).toBe('cancelled');
  });
});
