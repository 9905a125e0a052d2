import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost } from '../../../../src/main/services';
import { STUDIO_HOME_ENV } from '../../../../src/node/runs/store';
import type { RunRecord } from '../../../../src/shared/run/record';
import { trainedRun, tree } from '../../helpers/export';

let home: string;
let run: { record: RunRecord; runDir: string };

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'exportjob-service-'));
  process.env[STUDIO_HOME_ENV] = home;
  run = await trainedRun(path.join(home, 'runs'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('export service (queued job in a child process)', () => {
  it('lists runs, previews without writing, runs an export with progress, lists it, offers no dialog in browser mode', async () => {
    const host = createServiceHost({ shell: 'browser' });
    const events: { state?: string; fraction: number; message?: string }[] = [];
    host.events.subscribe((name, p) => {
      const e = p as { kind: string; jobId: string; state?: string; fraction: number; message?: string };
      if (name === 'job.progress' && e.kind === 'export' && e.jobId === 'job-1') events.push(e);
    });
    const list = await host.invoke('export.list', {});
    expect(list).toMatchObject({ ok: true, result: { runs: [{ id: run.record.id, exportable: true, sweepLevels: [] }], exports: [] } });

    const before = tree(home);
    const prev = await host.invoke('export.preview', { runId: run.record.id, sparsity: 0.9, formats: ['onnx'], weights: ['fp16'] });
    if (!prev.ok) throw new Error(JSON.stringify(prev.error));
    expect(tree(home)).toEqual(before);
    const pr = prev.result as { artifacts: { dir: string; existing: string[]; size: { fileBytes: number } }[]; markdown: string };
    expect(pr.artifacts[0].dir).toBe(path.join(run.runDir, 'exports', '0.9-onnx-fp16'));
    expect(pr.artifacts[0].existing).toEqual([]);
    expect(pr.markdown).toContain('not for diagnostic use');

    const ended = new Promise<void>((resolve) =>
      host.events.subscribe(
        (name, p) =>
          name === 'job.changed' &&
          (p as { jobId: string; state: string }).jobId === 'job-1' &&
          ['completed', 'failed', 'cancelled'].includes((p as { state: string }).state) &&
          resolve(),
      ),
    );
    const queued = await host.invoke('export.run', {
      runId: run.record.id,
      jobId: 'job-1',
      sparsity: 0.9,
      formats: ['onnx'],
      weights: ['fp16'],
    });
    if (!queued.ok) throw new Error(JSON.stringify(queued.error));
    expect(queued.result).toMatchObject({ jobId: 'job-1', kind: 'export', runId: run.record.id, state: 'running' });
    await ended;
    const res = await host.invoke('export.result', { jobId: 'job-1' });
    if (!res.ok) throw new Error(JSON.stringify(res.error));
    const r = res.result as { jobId: string; artifacts: { dir: string; size: { fileBytes: number } }[] };
    expect(r.jobId).toBe('job-1');
    expect(r.artifacts[0].size.fileBytes).toBe(pr.artifacts[0].size.fileBytes);
    expect(fs.existsSync(path.join(r.artifacts[0].dir, 'model.onnx'))).toBe(true);
    expect(events.length).toBeGreaterThan(5);
    expect(events.at(-1)).toMatchObject({ state: 'done', fraction: 1 });
    expect(events.some((e) => e.message === 'Loading onnx fp16 back and scoring it')).toBe(true);

    const again = await host.invoke('export.run', { runId: run.record.id, sparsity: 0.9, formats: ['onnx'], weights: ['fp16'] });
    expect(again).toMatchObject({ ok: false, error: { code: 'exists', what: expect.stringMatching(/already exist/) } });
    const after = await host.invoke('export.list', { runId: run.record.id });
    expect(after).toMatchObject({ ok: true, result: { exports: [{ format: 'onnx', weights: 'fp16', sparsity: 0.9, present: true }] } });
    expect(await host.invoke('export.pickFolder', {})).toMatchObject({ ok: true, result: { available: false } });
    expect(await host.invoke('export.run', { runId: '../x', sparsity: 0.9, formats: ['onnx'], weights: ['fp16'] })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    });
    expect(await host.invoke('export.run', { runId: run.record.id, sparsity: 1.2, formats: ['onnx'], weights: ['fp16'] })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    });
    expect(await host.invoke('jobs.cancel', { jobId: 'nothing' })).toMatchObject({ ok: true, result: { cancelled: false } });
    expect(await host.invoke('export.result', { jobId: 'nothing' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(
      await host.invoke('export.run', { runId: run.record.id, jobId: 'job-1', sparsity: 0.5, formats: ['onnx'], weights: ['fp16'] }),
    ).toMatchObject({ ok: false, error: { code: 'exists', what: expect.stringMatching(/Job job-1/) } });
    await host.dispose();
  });
});
