import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSweepRecords, readSweepImages, readSweepRecord, sweepPaths } from '../../../../src/node/sweep/files';
import { runSweep } from '../../../../src/node/sweep/job';
import type { SweepProgress } from '../../../../src/node/sweep/protocol';
import { decodeMask } from '../../../../src/shared/metrics';
import { fragileSlices, parseSweepConfig, DEFAULT_LEVELS } from '../../../../src/shared/sweep';
import { trainTinyRun } from '../../helpers/sweep';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-job-'));
let runId = '';
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  runId = await trainTinyRun(root);
});

const sweep = (sweepId: string, config: Record<string, unknown>, progress?: (p: SweepProgress) => void) =>
  runSweep({
    runsRoot: root,
    sweepId,
    runIds: [runId],
    config: parseSweepConfig(config),
    backend: 'cpu',
    ...(progress ? { progress: { report: progress } } : {}),
  });

describe('sweep job', () => {
  it('parses defaults: the paper levels, global, onnx, val', () => {
    const c = parseSweepConfig({ levels: [0.9, 0, 0.5, 0.9] });
    expect(c.levels).toEqual([0, 0.5, 0.9]);
    expect(parseSweepConfig({}).levels).toEqual(DEFAULT_LEVELS);
    expect(c.scope).toBe('global');
    expect(c.scorer).toBe('onnx');
    expect(() => parseSweepConfig({ levels: [1.5] })).toThrow(/levels/);
  });

  it('stores every level with exact achieved sparsity, per-slice metrics and masks, and reloads them', async () => {
    const weightsFile = path.join(root, runId, 'model', 'weights.bin');
    const before = fs.readFileSync(weightsFile);
    const progress: SweepProgress[] = [];
    const levels = [0, 0.5, 0.9, 0.98];
    const out = await sweep('sw-exact-1', { levels, scorer: 'onnx' }, (p) => progress.push(p));
    expect(out.status).toBe('completed');

    const rec = await readSweepRecord(root, runId, 'sw-exact-1');
    expect(rec.status).toBe('completed');
    expect(rec.levels.map((l) => l.sparsity)).toEqual(levels);
    const total = rec.levels[0].perLayer.reduce((a, r) => a + r.total, 0);
    for (const l of rec.levels) {
      // Exactly round(s * N) of the N prunable weights are zero (trained weights have no exact zeros).
      expect(l.achieved).toBe(Math.round(l.sparsity * total) / total);
      expect(l.perLayer.reduce((a, r) => a + r.zeros, 0)).toBe(Math.round(l.sparsity * total));
      expect(l.perSlice.length).toBe(rec.slices.length);
      expect(l.summary.slices).toBe(rec.slices.length);
      expect(l.onnxBytes).toBeGreaterThan(1000);
      for (const c of l.perSlice) {
        if (c.lesion) {
          expect(c.dice).toBeGreaterThanOrEqual(0);
          expect(c.dice).toBeLessThanOrEqual(1);
        } else expect(c.dice).toBeNull();
        expect(decodeMask(c.pred, 16 * 16).length).toBe(256);
      }
    }
    expect(rec.slices.length).toBe(4); // one val case x 4 slices
    for (const l of rec.levels) {
      expect(l.perCase.map((v) => [v.caseId, v.slices])).toEqual([[rec.slices[0].caseId, 4]]);
      expect(l.summary.cases).toBe(1);
      // Volume overlap recomputed from the stored masks.
      let tp = 0,
        fp = 0,
        fn = 0;
      l.perSlice.forEach((c, i) => {
        const p = decodeMask(c.pred);
        const t = decodeMask(rec.slices[i].truth);
        for (let k = 0; k < p.length; k++) {
          if (p[k] && t[k]) tp++;
          else if (p[k]) fp++;
          else if (t[k]) fn++;
        }
      });
      // The case's Dice is the volume overlap; a lesion-free case has none (the scoring policy).
      if (tp + fn > 0) {
        expect(l.perCase[0].dice).toBeCloseTo((2 * tp) / (2 * tp + fp + fn), 12);
        expect(l.summary.caseDice.mean).toBe(l.perCase[0].dice);
      } else expect(l.perCase[0].dice).toBeNull();
    }
    expect(rec.inputShape).toEqual([16, 16, 3]);
    // The per-case CSV beside the record: one row per level x case, the record's numbers.
    const csv = fs
      .readFileSync(path.join(root, runId, 'sweeps', 'sw-exact-1.per-case.csv'), 'utf8')
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const col = (name: string) => csv[0].indexOf(name);
    expect(csv).toHaveLength(1 + levels.length * rec.levels[0].perCase.length);
    csv.slice(1).forEach((row, i) => {
      const l = rec.levels[i];
      expect(Number(row[col('sparsity')])).toBe(l.sparsity);
      expect(row[col('case_id')]).toBe(l.perCase[0].caseId);
      expect(row[col('dice')]).toBe(l.perCase[0].dice === null ? '' : String(l.perCase[0].dice));
      expect(Number(row[col('pred_pixels')])).toBe(l.perCase[0].predPixels);
    });
    // The trained weights on disk are untouched.
    expect(fs.readFileSync(weightsFile).equals(before)).toBe(true);

    const images = await readSweepImages(root, runId, 'sw-exact-1');
    expect(images.slices.length).toBe(4);
    expect(images.size).toBe(16);
    const listed = await listSweepRecords(root, runId);
    expect(listed.records.map((r) => r.sweepId)).toContain('sw-exact-1');
    expect(listed.records[0].levels).toEqual(rec.levels);
    expect(fragileSlices(rec).length).toBe(rec.levels[0].perSlice.filter((s) => s.lesion).length);

    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.fraction).toBe(1);
    expect(progress.every((p) => p.etaSeconds >= 0 && p.totalSteps === 4)).toBe(true);
  });

  it('ONNX scoring and tfjs scoring agree on Dice at every level', async () => {
    const levels = [0, 0.7, 0.95];
    await sweep('sw-onnx-1', { levels, scorer: 'onnx', split: 'test' });
    await sweep('sw-tfjs-1', { levels, scorer: 'tfjs', split: 'test' });
    const a = await readSweepRecord(root, runId, 'sw-onnx-1');
    const b = await readSweepRecord(root, runId, 'sw-tfjs-1');
    for (let i = 0; i < levels.length; i++) {
      expect(a.levels[i].achieved).toBe(b.levels[i].achieved);
      // Same masks up to pixels sitting on the threshold: at most 1 % of all pixels differ.
      let differ = 0;
      a.levels[i].perSlice.forEach((c, j) => {
        const pa = decodeMask(c.pred);
        const pb = decodeMask(b.levels[i].perSlice[j].pred);
        for (let k = 0; k < pa.length; k++) if (pa[k] !== pb[k]) differ++;
      });
      expect(differ).toBeLessThanOrEqual(0.01 * a.slices.length * 256);
      expect(Math.abs((a.levels[i].summary.caseDice.mean ?? 0) - (b.levels[i].summary.caseDice.mean ?? 0))).toBeLessThan(0.01);
    }
  });

  it('layer-wise scope, dense first/last layers and BatchNorm re-estimation', async () => {
    await sweep('sw-layer-1', {
      levels: [0, 0.8],
      scope: 'layerwise',
      keepFirstLast: true,
      bnReestimate: { batches: 2, batchSize: 3 },
      scorer: 'tfjs',
    });
    const rec = await readSweepRecord(root, runId, 'sw-layer-1');
    const l = rec.levels[1];
    const kept = l.perLayer.filter((r) => !r.pruned);
    expect(kept.length).toBe(2);
    expect(kept.every((r) => r.zeros === 0)).toBe(true);
    for (const r of l.perLayer.filter((x) => x.pruned)) expect(r.zeros).toBe(Math.round(0.8 * r.total));
    expect(l.overall).toBeLessThan(l.achieved);
    expect(l.bn).toEqual({ layers: expect.any(Number), images: 6 });
    expect(l.bn!.layers).toBeGreaterThan(0);
    expect(rec.levels[0].bn).toBeUndefined();
  });

  it('a run without a final model fails cleanly with a message', async () => {
    const out = await runSweep({
      runsRoot: root,
      sweepId: 'sw-missing-1',
      runIds: ['no-such-run'],
      config: parseSweepConfig({ levels: [0] }),
      backend: 'cpu',
    });
    expect(out.status).toBe('failed');
    expect(out.runs[0].error?.what).toMatch(/no-such-run/);
    expect(fs.existsSync(sweepPaths(root, runId, 'sw-missing-1').record)).toBe(false);
  });
});
