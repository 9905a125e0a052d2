import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExportJob, type ExportJobRequest } from '../../../../src/node/export/job';
import type { RunRecord } from '../../../../src/shared/run/record';
import { trainedRun, tree } from '../../helpers/export';

let root: string;
let staging: string;
let run: { record: RunRecord; runDir: string };
const opts = { latency: { runs: 1, warmup: 0 } };
const req = (over: Partial<ExportJobRequest>): ExportJobRequest => ({
  runDir: run.runDir,
  sparsity: 0.8,
  scope: 'global',
  keepFirstLast: false,
  reestimateBatchNorm: false,
  formats: ['onnx'],
  weights: ['fp32'],
  overwrite: false,
  ...over,
});
// Staging lives next to the output folders (never in the temp folder); none may be left behind.
const stagingLeft = () =>
  [...fs.readdirSync(staging), ...(fs.readdirSync(root, { recursive: true }) as string[])].filter((n) =>
    /var-studio-(export-|staging-)/.test(n),
  );

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'exportjob-safety-'));
  // The job stages in os.tmpdir(); a private one shows whether staging is cleaned up.
  staging = path.join(root, 'tmp');
  fs.mkdirSync(staging);
  process.env.TMPDIR = staging;
  run = await trainedRun(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('export job: files on disk', () => {
  it('never overwrites an existing export without overwrite=true, and replaces it with it', async () => {
    const out = path.join(root, 'once');
    const first = await runExportJob(req({ outDir: out, formats: ['tfjs'], weights: ['int8-weights'] }), opts);
    expect(first.artifacts[0].dir).toBe(out);
    const before = Object.fromEntries(tree(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
    await expect(
      runExportJob(req({ outDir: out, formats: ['tfjs'], weights: ['int8-weights'], sparsity: 0.5 }), opts),
    ).rejects.toMatchObject({ code: 'exists', what: expect.stringMatching(/already exist/) });
    expect(Object.fromEntries(tree(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]))).toEqual(before);
    // A lone model card of someone else's also blocks.
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'MODEL_CARD.md'), 'mine');
    await expect(runExportJob(req({ outDir: other }), opts)).rejects.toThrow(/already exist/);
    expect(tree(other)).toEqual(['MODEL_CARD.md']);

    const second = await runExportJob(
      req({ outDir: out, formats: ['tfjs'], weights: ['int8-weights'], sparsity: 0.5, overwrite: true }),
      opts,
    );
    expect(JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8')).sparsity.requested).toBe(0.5);
    expect(tree(out)).toEqual([...second.artifacts[0].files.map((f) => path.basename(f)), 'MODEL_CARD.md', 'model-card.json'].sort());
    expect(stagingLeft()).toEqual([]);
  });

  it('a cancelled export leaves nothing behind, wherever it stops', async () => {
    const out = path.join(root, 'cancelled');
    for (const stopAt of ['Scoring the dense model', 'Loading tfjs fp16 back and scoring it', 'Saving']) {
      const ctl = new AbortController();
      const p = runExportJob(req({ outDir: out, formats: ['onnx', 'tfjs'], weights: ['fp32', 'fp16'] }), {
        ...opts,
        signal: ctl.signal,
        progress: { report: (e) => e.message === stopAt && ctl.abort() },
      });
      await expect(p).rejects.toMatchObject({ code: 'cancelled' });
      expect(tree(out)).toEqual([]);
      expect(stagingLeft()).toEqual([]);
    }
  });

  it(
    'kill -9 of the export process around placement: the folders hold one whole export at once (the host undoes a cut placement)',
    { timeout: 240_000 },
    async () => {
      const { startExport } = await import('../../../../src/node/export/host');
      const out = path.join(root, 'killed');
      const set = {
        outDir: out,
        formats: ['onnx', 'tfjs'] as ExportJobRequest['formats'],
        weights: ['fp32'] as ExportJobRequest['weights'],
      };
      const folders = ['0.8-onnx-fp32', '0.8-tfjs-fp32'];
      // The previous export, its cards marked, so each folder says which export it holds.
      const exportOld = async () => {
        await runExportJob(req({ ...set, overwrite: true }), opts);
        for (const f of folders) fs.appendFileSync(path.join(out, f, 'MODEL_CARD.md'), '\n<!-- old -->\n');
      };
      await exportOld();
      const sparsityOf = (dir: string) =>
        fs.readFileSync(path.join(out, dir, 'MODEL_CARD.md'), 'utf8').includes('<!-- old -->') ? 'old' : 'new';
      const seen = new Set<string>();
      for (const delayMs of [0, 1, 3, 8]) {
        let killed = false;
        // Progress arrives after startExport returned, so `handle` is set when kill() runs.
        const kill = () => {
          if (killed) return;
          killed = true;
          if (delayMs === 0) void handle.terminate();
          else setTimeout(() => void handle.terminate(), delayMs);
        };
        const handle = startExport(req({ ...set, overwrite: true }), { report: (e) => e.message === 'Saving' && kill() });
        const finished = await handle.done.then(
          () => true,
          (e: { what?: string }) => {
            expect(e.what).toMatch(/export process was stopped/);
            return false;
          },
        );
        // Straight away, without a restart: every folder complete, all from one export, no staging left.
        expect(fs.readdirSync(out).sort()).toEqual(folders);
        const levels = new Set(folders.map(sparsityOf));
        expect(levels.size, 'the two folders hold the same export').toBe(1);
        // Killed before the commit: the previous export; after it (before its answer arrived): the new one.
        if (finished) expect([...levels][0]).toBe('new');
        // A killed job leaves its staging folder (with or without a journal): only the host's recovery removes it.
        expect(stagingLeft()).toEqual([]);
        for (const f of folders) expect(tree(path.join(out, f))).toContain('MODEL_CARD.md');
        seen.add(`${finished ? 'finished' : 'killed'}:${[...levels][0]}`);
        // Back to the previous export for the next round.
        if (finished) await exportOld();
      }
      expect(seen.size).toBeGreaterThan(0);
    },
  );

  it('fails fast on unusable destinations, with what and hint (no stack trace)', async () => {
    const t0 = performance.now();
    await expect(runExportJob(req({ outDir: '/proc/x/out' }), opts)).rejects.toMatchObject({
      code: 'bad-input',
      what: expect.stringMatching(/system folders/),
    });
    const file = path.join(root, 'plain-file');
    fs.writeFileSync(file, 'x');
    await expect(runExportJob(req({ outDir: path.join(file, 'out') }), opts)).rejects.toMatchObject({
      code: 'bad-input',
      file,
      what: expect.stringMatching(/this is a file/),
    });
    // Both before loading the run: milliseconds, not a model load.
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a failure part-way through saving removes the files already placed and keeps what was there', async () => {
    const out = path.join(root, 'race');
    // Another program creates one target between the up-front check and the moment it is written.
    const intruder = path.join(out, '0.8-tfjs-fp32', 'model.json');
    const p = runExportJob(req({ outDir: out, formats: ['onnx', 'tfjs'], weights: ['fp32'] }), {
      ...opts,
      progress: {
        report: (e) => {
          if (e.message === 'Saving') {
            fs.mkdirSync(path.dirname(intruder), { recursive: true });
            fs.writeFileSync(intruder, '{"theirs": true}');
          }
        },
      },
    });
    await expect(p).rejects.toThrow(/already exist/);
    // Nothing of this export was placed; the other program's file is untouched.
    expect(tree(out)).toEqual([path.join('0.8-tfjs-fp32', 'model.json')]);
    expect(fs.readFileSync(intruder, 'utf8')).toBe('{"theirs": true}');
    expect(stagingLeft()).toEqual([]);
  });

  it('exports several formats into sub-folders of --out, layer-wise with first/last kept and BN re-estimated', async () => {
    const out = path.join(root, 'multi');
    const r = await runExportJob(
      req({
        outDir: out,
        formats: ['onnx', 'tfjs'],
        weights: ['fp16'],
        scope: 'layerwise',
        keepFirstLast: true,
        reestimateBatchNorm: true,
      }),
      opts,
    );
    expect(r.artifacts.map((a) => path.relative(out, a.dir))).toEqual(['0.8-layerwise-kfl-onnx-fp16', '0.8-layerwise-kfl-tfjs-fp16']);
    expect(r.prune).toMatchObject({ scope: 'layerwise', keepFirstLast: true, batchNormReestimated: true });
    expect(r.prune.overall).toBeLessThan(r.prune.achieved);
  });

  it('rejects bad input with what and hint', async () => {
    await expect(runExportJob(req({ runDir: root }), opts)).rejects.toMatchObject({
      code: 'not-found',
      what: expect.stringMatching(/not a run/),
    });
    await expect(runExportJob(req({ formats: [] }), opts)).rejects.toMatchObject({ code: 'bad-input' });
    const r = await runExportJob(req({ weights: ['fp32'], formats: ['onnx'], outDir: path.join(root, 'ok') }), opts);
    expect(r.artifacts).toHaveLength(1);
  });
});
