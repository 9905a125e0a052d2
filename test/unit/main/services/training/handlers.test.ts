import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../../../../../src/shared/api/bus';
import type { EventName } from '../../../../../src/shared/api/contract';
import type { Job } from '../../../../../src/shared/api/schemas/jobs';
import type { TrainingEpochEvent, TrainingProgressEvent } from '../../../../../src/shared/api/schemas/training';
import { createJobService, type JobService } from '../../../../../src/main/services/jobs';
import { createTrainingService } from '../../../../../src/main/services/training';
import type { ServiceContext } from '../../../../../src/main/services';
import { parseRunConfig } from '../../../../../src/shared/run/config';
import { tinyRunConfig } from '../../../helpers/job';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'training-service-'));
const services: JobService[] = [];
afterAll(async () => {
  await Promise.all(services.map((s) => s.dispose()));
  fs.rmSync(root, { recursive: true, force: true });
});

function setup() {
  const events = createEventBus();
  const jobs = createJobService(events);
  services.push(jobs);
  const service = createTrainingService({ jobs, events, runsRoot: () => root });
  const seen: { event: EventName; payload: unknown }[] = [];
  events.subscribe((event, payload) => seen.push({ event, payload }));
  const ctx: ServiceContext = { shell: 'browser', events };
  const of = <T>(name: EventName) => seen.filter((e) => e.event === name).map((e) => e.payload as T);
  /** Resolves with the job's final state event. */
  const ended = (jobId: string) =>
    new Promise<Job>((resolve) => {
      const check = () => of<Job>('job.changed').find((j) => j.jobId === jobId && !['queued', 'running'].includes(j.state));
      const hit = check();
      if (hit) return resolve(hit);
      const stop = events.subscribe(() => {
        const j = check();
        if (j) {
          stop();
          resolve(j);
        }
      });
    });
  return { h: { ...service.handlers, ...jobs.handlers }, ctx, of, ended, events };
}

// wasm: the backend the studio picks here; 16 px, width 1/4, 8 phantom slices.
// Handlers receive validated input (defaults applied), as the services host passes it.
const tiny = (name: string, epochs: number) => parseRunConfig(tinyRunConfig({ name, epochs, backend: 'wasm' }));

describe('training service (handlers called directly)', () => {
  it('queues a second job, streams progress and epochs, cancels the queued one', async () => {
    const { h, ctx, of, ended } = setup();
    const first = await h['training.start'](tiny('sgd', 2), ctx);
    expect(first.state).toBe('running');
    expect(first.runId).toBeTruthy();
    const second = await h['training.start'](tiny('queued', 1), ctx);
    expect(second).toMatchObject({ state: 'queued', position: 1 });
    expect(second.runId).toBeUndefined();

    const listed = await h['runs.list'](undefined, ctx);
    expect(listed.jobs.map((j) => j.state)).toEqual(['running', 'queued']);

    expect(await h['jobs.cancel']({ jobId: second.jobId }, ctx)).toEqual({ cancelled: true });
    const end = await ended(first.jobId);
    expect(end).toMatchObject({ state: 'completed', runId: first.runId, fraction: 1 });
    expect(of<Job>('job.changed').find((j) => j.jobId === second.jobId && j.state === 'cancelled')).toBeTruthy();

    const progress = of<TrainingProgressEvent>('training.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.jobId === first.jobId && p.runId === first.runId)).toBe(true);
    expect(progress.at(-1)!.fraction).toBeCloseTo(1);
    const epochs = of<TrainingEpochEvent>('training.epoch');
    expect(epochs.map((e) => e.record.epoch)).toEqual([0, 1]);
    const hist = epochs[1].record.weightStats.global.histogram;
    expect(hist.counts.reduce((a, b) => a + b, 0)).toBe(epochs[1].record.weightStats.global.count);
    expect(of('job.progress').length).toBeGreaterThan(0);

    const after = await h['runs.list'](undefined, ctx);
    expect(after.jobs).toEqual([]);
    const row = after.runs.find((r) => r.id === first.runId)!;
    expect(row).toMatchObject({ status: 'completed', interrupted: false, epochsDone: 2, epochs: 2, backend: 'wasm', method: 'sgd' });
    expect(row.lastValCaseDice).not.toBeNull();
    expect(row.trainingVerdict).not.toBe('unknown');
    // The cancelled queued job never became a run.
    expect(after.runs.some((r) => r.name === 'queued')).toBe(false);

    const record = await h['runs.get']({ runId: first.runId! }, ctx);
    expect(record.epochs).toHaveLength(2);
    expect(record.status).toBe('completed');
  });

  it('cancels a running run, resumes it to completion, and computes its flatness', async () => {
    const { h, ctx, events, ended } = setup();
    let job = await h['training.start'](tiny('resumable', 4), ctx);
    // Cancel right after the first epoch: the run keeps its checkpoint.
    const stop = events.subscribe((e, p) => {
      if (e === 'training.epoch' && (p as TrainingEpochEvent).jobId === job.jobId) {
        stop();
        void h['jobs.cancel']({ jobId: job.jobId }, ctx);
      }
    });
    const cancelled = await ended(job.jobId);
    expect(cancelled.state).toBe('cancelled');
    const runId = cancelled.runId!;
    const mid = await h['runs.get']({ runId }, ctx);
    expect(mid.status).toBe('cancelled');
    expect(mid.epochs.length).toBeGreaterThanOrEqual(1);
    expect(mid.epochs.length).toBeLessThan(4);

    job = await h['training.resume']({ runId }, ctx);
    expect(job).toMatchObject({ kind: 'resume', runId });
    await expect(h['runs.delete']({ runId }, ctx)).rejects.toThrow(/Cancel that job/);
    expect((await ended(job.jobId)).state).toBe('completed');
    const done = await h['runs.get']({ runId }, ctx);
    expect(done.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    expect(done.timings.resumes).toBe(1);
    await expect(h['training.resume']({ runId }, ctx)).rejects.toThrow(/already completed/);

    const flat = await h['runs.flatness']({ runId, iterations: 3, batchSize: 2 }, ctx);
    expect(flat.kind).toBe('flatness');
    const flatEnd = await ended(flat.jobId);
    expect(flatEnd.state).toBe('completed');
    expect(Number.isFinite(flatEnd.metrics?.hessianTopEigenvalue)).toBe(true);
    const withHessian = await h['runs.get']({ runId }, ctx);
    expect(withHessian.hessian?.iterations).toBeGreaterThan(0);
    expect(withHessian.hessianTopEigenvalue).toBe(flatEnd.metrics?.hessianTopEigenvalue);
  });

  it('a new service instance lists the same runs from disk; delete removes one', async () => {
    const { h, ctx } = setup();
    const before = await h['runs.list'](undefined, ctx);
    expect(before.runs.length).toBe(2);
    expect(before.runs.map((r) => r.name).sort()).toEqual(['resumable', 'sgd']);
    expect(before.runs.find((r) => r.name === 'resumable')?.hessianTopEigenvalue).toBeDefined();

    // A record left "running" by a studio that stopped shows as interrupted and can be resumed.
    const stale = before.runs.find((r) => r.name === 'sgd')!;
    const file = path.join(root, stale.id, 'run.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...json, status: 'running' }));
    const again = await h['runs.list'](undefined, ctx);
    expect(again.runs.find((r) => r.id === stale.id)).toMatchObject({ status: 'running', interrupted: true });

    expect(await h['runs.delete']({ runId: stale.id }, ctx)).toEqual({ deleted: true });
    expect(fs.existsSync(path.join(root, stale.id))).toBe(false);
    expect((await h['runs.list'](undefined, ctx)).runs.map((r) => r.name)).toEqual(['resumable']);
    await expect(h['runs.get']({ runId: stale.id }, ctx)).rejects.toThrow(/does not exist/);
    await expect(h['jobs.cancel']({ jobId: 'job-nope' }, ctx)).resolves.toEqual({ cancelled: false });
  });

  it('a job that cannot start ends failed with a readable error, and the queue moves on', async () => {
    const { h, ctx, ended } = setup();
    const missing = path.join(root, 'no-such-dataset');
    // The desktop shell: browser mode refuses a missing data path before queueing (test/unit/main/services/confine.test.ts).
    const bad = await h['training.start'](
      parseRunConfig({ ...tinyRunConfig({ name: 'bad-data', backend: 'wasm' }), data: { kind: 'path', path: missing } }),
      { ...ctx, shell: 'electron' },
    );
    const next = await h['training.start'](tiny('after-bad', 1), ctx);
    expect(next.state).toBe('queued');
    const failed = await ended(bad.jobId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.what).toBeTruthy();
    expect(failed.error?.hint).toBeTruthy();
    expect((await ended(next.jobId)).state).toBe('completed');
  });
});
