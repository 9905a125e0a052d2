/**
 * Opening a dataset reports its deep check through the one progress stream (job.progress, kind
 * "dataset-open", under the caller's job id, ending with its state), and datasets.cancelOpen stops
 * it between cases: the open fails with code cancelled and nothing is added to the open datasets.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost, type ServiceHost } from '../../../../../src/main/services';
import type { JobProgress } from '../../../../../src/shared/api/contract';
import { encodePng8 } from '../../../../../src/shared/data/png';

const root = mkdtempSync(join(tmpdir(), 'open-progress-'));
const data = join(root, 'many');
const CASES = 40;
let host: ServiceHost;
const events: JobProgress[] = [];

beforeAll(() => {
  mkdirSync(data);
  // 40 PNG cases of two 64x64 slices each, with masks.
  for (let c = 0; c < CASES; c++) {
    for (const k of [1, 2]) {
      writeFileSync(
        join(data, `p${c}_${k}.png`),
        encodePng8(
          new Uint8Array(64 * 64).map((_, i) => (i * (c + k)) % 251),
          64,
          64,
          1,
        ),
      );
      writeFileSync(
        join(data, `p${c}_${k}_mask.png`),
        encodePng8(
          new Uint8Array(64 * 64).map((_, i) => (i % 97 === 0 ? 255 : 0)),
          64,
          64,
          1,
        ),
      );
    }
  }
  host = createServiceHost({ shell: 'electron', datasets: { tempDir: join(root, 'tmp') } });
  host.events.subscribe((name, p) => {
    if (name === 'job.progress' && (p as JobProgress).kind === 'dataset-open') events.push(p as JobProgress);
  });
});
afterAll(async () => {
  await host.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('dataset open: progress and cancel', () => {
  it('streams the deep check as job.progress under the given job id, ending done', async () => {
    const res = await host.invoke('datasets.open', { path: data, jobId: 'open-a' });
    if (!res.ok) throw new Error(JSON.stringify(res.error));
    expect((res.result as { caseCount: number }).caseCount).toBe(CASES);
    const mine = events.filter((e) => e.jobId === 'open-a');
    const running = mine.filter((e) => e.state === 'running' && e.totalSteps);
    expect(running.length).toBeGreaterThanOrEqual(CASES);
    expect(running.every((e, i) => i === 0 || e.fraction >= running[i - 1].fraction)).toBe(true);
    expect(running.at(-1)).toMatchObject({
      fraction: 1,
      step: 2 * CASES,
      totalSteps: 2 * CASES,
      message: expect.stringMatching(/Checking every slice: 80\/80 slices/),
    });
    expect(mine.at(-1)).toMatchObject({ state: 'done', fraction: 1 });
  });

  it('cancelOpen stops the check between cases: cancelled, nothing opened, the job says cancelled', async () => {
    const before = ((await host.invoke('datasets.list', undefined)) as { result: unknown[] }).result.length;
    let asked: Promise<unknown> | undefined;
    const stop = host.events.subscribe((name, p) => {
      const e = p as JobProgress;
      if (name === 'job.progress' && e.jobId === 'open-b' && e.step && !asked)
        asked = host.invoke('datasets.cancelOpen', { jobId: 'open-b' });
    });
    const res = await host.invoke('datasets.open', { path: data, jobId: 'open-b' });
    stop();
    expect(await asked).toEqual({ ok: true, result: { cancelled: true } });
    expect(res).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    const mine = events.filter((e) => e.jobId === 'open-b');
    expect(mine.at(-1)).toMatchObject({ state: 'cancelled' });
    expect(Math.max(...mine.map((e) => e.step ?? 0))).toBeLessThan(2 * CASES);
    expect(((await host.invoke('datasets.list', undefined)) as { result: unknown[] }).result.length).toBe(before);
    // An unknown or finished open: nothing to cancel.
    expect(await host.invoke('datasets.cancelOpen', { jobId: 'open-b' })).toEqual({ ok: true, result: { cancelled: false } });
  });

  it('a cancel sent after the last case was checked still opens nothing', async () => {
    const before = ((await host.invoke('datasets.list', undefined)) as { result: unknown[] }).result.length;
    let asked: Promise<unknown> | undefined;
    const stop = host.events.subscribe((name, p) => {
      const e = p as JobProgress;
      if (name === 'job.progress' && e.jobId === 'open-c' && e.step === 2 * CASES && !asked)
        asked = host.invoke('datasets.cancelOpen', { jobId: 'open-c' });
    });
    const res = await host.invoke('datasets.open', { path: data, jobId: 'open-c' });
    stop();
    expect(await asked).toEqual({ ok: true, result: { cancelled: true } });
    expect(res).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(events.filter((e) => e.jobId === 'open-c').at(-1)).toMatchObject({ state: 'cancelled' });
    expect(((await host.invoke('datasets.list', undefined)) as { result: unknown[] }).result.length).toBe(before);
  });
});
