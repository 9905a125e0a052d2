import { describe, expect, it } from 'vitest';
import { parseLevels } from '../../src/renderer/features/sweep/StartPanel';
import { chartData, type SweepableRun } from '../../src/renderer/features/sweep/model';
import { methodLabel } from '../../src/shared/train/optimizerConfig';
import { fragileSlices, type SweepRecord } from '../../src/shared/sweep';

const stats = (mean: number, std: number) => ({ n: 2, mean, std, median: mean });
const noRate = { n: 0, withPrediction: 0, rate: null };
function record(dice: Record<number, number[]>): SweepRecord {
  const levels = Object.keys(dice).map(Number).sort((a, b) => a - b);
  return {
    version: 2, sweepId: 'sw-x', runId: 'r', runIds: ['r'], status: 'completed', createdAt: '', updatedAt: '', backend: 'cpu', inputShape: [4, 4, 1], unit: 'px', seconds: 0,
    config: { levels, scope: 'global', keepFirstLast: false, bnReestimate: null, scorer: 'tfjs', split: 'val', threshold: 0.5, batchSize: 1, maxSlices: 0 },
    slices: [{ caseId: 'a', index: 0, truth: '' }, { caseId: 'b', index: 0, truth: '' }],
    levels: levels.map((s) => {
      const d = dice[s];
      const mean = (d[0] + d[1]) / 2;
      return {
        sparsity: s, achieved: s, overall: s, perLayer: [], seconds: 0,
        summary: {
          cases: 2, slices: 2, lesionCases: 2, lesionSlices: 2, caseDice: stats(mean, 0.1), caseIoU: stats(mean, 0.1), lesionSliceDice: stats(mean, 0.1),
          falsePositiveEmptySlices: noRate, falsePositiveEmptyCases: noRate, hd95Pooled: stats(1, 0), hd95MaxDirected: stats(1, 0), hd95Missing: 0, hd95Unit: 'px' as const,
        },
        perSlice: d.map((v, i) => ({ caseId: i ? 'b' : 'a', index: 0, lesion: true, dice: v, iou: v, hd95: 1, fpPixels: 0, pred: '' })),
        perCase: d.map((v, i) => ({ caseId: i ? 'b' : 'a', slices: 1, lesion: true, dice: v, iou: v, hd95Pooled: 1, hd95MaxDirected: 1, truePixels: 1, predPixels: 1, fpPixels: 0 })),
      };
    }),
  };
}
const run = (runId: string, method: string, varLambda: number): SweepableRun => ({ runId, name: runId, createdAt: '', method, varLambda, seed: 1, inputSize: 4, sweeps: [] });

describe('sweep view model', () => {
  it('one line per run, min-max band for a method with several runs, ±1 std band otherwise', () => {
    const d = chartData([
      { run: run('s1', 'sgd', 0), record: record({ 0: [0.8, 0.8], 0.9: [0.2, 0.2] }) },
      { run: run('s2', 'sgd', 0), record: record({ 0: [0.9, 0.9], 0.9: [0.4, 0.4] }) },
      { run: run('v1', 'sgd', 1e-4), record: record({ 0: [0.9, 0.9], 0.5: [0.9, 0.9], 0.9: [0.85, 0.85] }) },
    ]);
    expect(d.x).toEqual([0, 50, 90]);
    expect(d.series.map((s) => s.dice)).toEqual([[0.8, null, 0.2], [0.9, null, 0.4], [0.9, 0.9, 0.85]]);
    const sgd = d.bands.find((b) => b.method === 'SGD')!;
    expect(sgd.kind).toBe('min-max');
    expect(sgd.lo).toEqual([0.8, null, 0.2]);
    expect(sgd.hi).toEqual([0.9, null, 0.4]);
    const v = d.bands.find((b) => b.method === methodLabel('sgd', 1e-4))!;
    expect(v.kind).toBe('std');
    expect(v.hi[0]).toBeCloseTo(1);
    expect(v.lo[2]).toBeCloseTo(0.75);
  });

  it('fragile lesion slices rank by the largest slice-Dice drop from the first level', () => {
    const f = fragileSlices(record({ 0: [0.9, 0.8], 0.5: [0.85, 0.1], 0.9: [0.3, 0.5] }));
    expect(f.map((x) => [x.caseId, x.worstLevel])).toEqual([['b', 0.5], ['a', 0.9]]);
    expect(f[0].drop).toBeCloseTo(0.7);
  });

  it('parses levels typed as percentages', () => {
    expect(parseLevels('90, 0 50%')).toEqual([0, 0.5, 0.9]);
    expect(parseLevels('')).toMatch(/at least one/);
    expect(parseLevels('120')).toMatch(/between 0 and 100/);
  });
});
