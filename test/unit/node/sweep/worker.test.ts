import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost } from '../../../../src/main/services';
import { readSweepRecord } from '../../../../src/node/sweep/files';
import { startSweep } from '../../../../src/node/sweep/host';
import type { JobProgress } from '../../../../src/shared/api/contract';
import { trainTinyRun } from '../../helpers/sweep';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-worker-'));
const root = path.join(home, 'runs');
const savedHome = process.env.VAR_STUDIO_HOME;
let runId = '';
beforeAll(async () => {
  process.env.VAR_STUDIO_HOME = home;
  runId = await trainTinyRun(root);
});
afterAll(() => {
  if (savedHome === undefined) delete process.env.VAR_STUDIO_HOME;
  else process.env.VAR_STUDIO_HOME = savedHome;
  fs.rmSync(home, { recursive: true, force: true });
});

/** kill -9 of this process's child that runs `<worker>.worker` (Linux /proc): a real crash, not a hook. */
function killChildJob(worker: string): number {
  const mine = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${worker}.worker`);
      } catch {
        return false;
      }
    });
  for (const pid of mine) process.kill(Number(pid), 'SIGKILL');
  return mine.length;
}

/** Many levels, one slice per batch: long enough to be interrupted after the first progress. */
const longConfig = { levels: Array.from({ length: 24 }, (_, i) => i / 25), batchSize: 1, scorer: 'tfjs' as const };
/** The same through onnxruntime: the process is killed with native sessions alive. */
const longOnnx = { ...longConfig, scorer: 'onnx' as const };

describe('sweep worker process', () => {
  it('cancel stops between batches and keeps the finished levels', async () => {
    let asked = false;
    const h = startSweep([runId], longConfig, {
      runsRoot: root,
      backend: 'cpu',
      progress: {
        report: () => {
          if (!asked) h.cancel();
          asked = true;
        },
      },
    });
    const out = await h.done;
    expect(out.status).toBe('cancelled');
    const rec = await readSweepRecord(root, runId, h.sweepId);
    expect(rec.status).toBe('cancelled');
    expect(rec.error?.what).toMatch(/cancelled/);
    expect(rec.levels.length).toBeLessThan(24);
  });

  it('a killed worker marks the sweep failed with a clear message, and a new sweep works', async () => {
    let killed: Promise<void> | undefined;
    const h = startSweep([runId], longConfig, {
      runsRoot: root,
      backend: 'cpu',
      progress: {
        report: (p) => {
          if (p.step >= 1) killed ??= h.terminate();
        },
      },
    });
    const out = await h.done;
    await killed;
    expect(out.status).toBe('failed');
    expect(out.error?.what).toMatch(/sweep process was stopped/);
    const rec = await readSweepRecord(root, runId, h.sweepId);
    expect(rec.status).toBe('failed');
    expect(rec.error?.what).toMatch(/sweep process was stopped/);
    expect(rec.levels.length).toBeGreaterThanOrEqual(1);
    expect(rec.levels.length).toBeLessThan(24);

    const again = startSweep([runId], { levels: [0, 0.9], scorer: 'onnx' }, { runsRoot: root, backend: 'cpu' });
    expect((await again.done).status).toBe('completed');
    expect((await readSweepRecord(root, runId, again.sweepId)).levels.length).toBe(2);
  });

  it('the service streams progress, survives a killed sweep and lists saved sweeps', async () => {
    const host = createServiceHost({ shell: 'browser' });
    const events: JobProgress[] = [];
    host.events.subscribe((name, p) => {
      if (name === 'job.progress') events.push(p as JobProgress);
    });
    const finished = (id: string) =>
      new Promise<JobProgress>((resolve) => {
        const check = () => {
          const e = events.find((x) => x.jobId === id && x.state && x.state !== 'running');
          if (e) resolve(e);
          else setTimeout(check, 50);
        };
        check();
      });

    const bad = await host.invoke('sweep.start', { runIds: ['no-such-run'] });
    expect(bad.ok).toBe(false);

    const started = await host.invoke('sweep.start', { runIds: [runId], config: longOnnx });
    expect(started.ok).toBe(true);
    const sweepId = (started as { result: { sweepId: string } }).result.sweepId;
    while (!events.some((e) => e.jobId === sweepId && (e.step ?? 0) >= 1)) await new Promise((r) => setTimeout(r, 20));
    expect(killChildJob('sweep')).toBe(1);
    const end = await finished(sweepId);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/sweep process crashed \(killed by SIGKILL\)/);

    const ok = await host.invoke('sweep.start', { runIds: [runId], config: { levels: [0, 0.5, 0.9] } });
    const okId = (ok as { result: { sweepId: string } }).result.sweepId;
    expect((await finished(okId)).state).toBe('done');
    expect(events.some((e) => e.jobId === okId && e.kind === 'sweep' && e.state === 'running' && e.etaSeconds !== undefined)).toBe(true);

    // A fresh host (a reopened app) reads the saved results without recomputing.
    const reopened = createServiceHost({ shell: 'browser' });
    const list = await reopened.invoke('sweep.list', {});
    expect(list.ok).toBe(true);
    const runs = (list as { result: { runs: { runId: string; sweeps: { sweepId: string; status: string; levels: unknown[] }[] }[] } })
      .result.runs;
    const mine = runs.find((r) => r.runId === runId)!;
    expect(mine.sweeps.find((s) => s.sweepId === okId)?.status).toBe('completed');
    expect(mine.sweeps.find((s) => s.sweepId === okId)?.levels.length).toBe(3);
    expect(mine.sweeps.find((s) => s.sweepId === sweepId)?.status).toBe('failed');
    const got = await reopened.invoke('sweep.get', { runId, sweepId: okId });
    expect(got.ok && (got.result as { levels: unknown[] }).levels.length).toBe(3);
    const imgs = await reopened.invoke('sweep.images', { runId, sweepId: okId });
    expect(imgs.ok && (imgs.result as { slices: unknown[] }).slices.length).toBe(4);
  });
});
