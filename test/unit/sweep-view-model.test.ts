import { describe, expect, it } from 'vitest';
import { parseLevels } from '../../src/renderer/features/sweep/StartPanel';
import { chartData, type SweepableRun } from '../../src/renderer/features/sweep/model';
import { methodLabel } from '../../src/shared/train/optimizerConfig';
import { fragileSlices, type SweepRecord } from '../../src/shared/sweep';

const summary = (mean: number, std: number) => ({ n: 2, mean, std, median: mean });
function record(dice: Record<number, number[]>): SweepRecord {
  const levels = Object.keys(dice).map(Number).sort((a, b) => a - b);
  return {
    version: 1, sweepId: 'sw-x', runId: 'r', runIds: ['r'], status: 'completed', createdAt: '', updatedAt: '', backend: 'cpu', inputShape: [4, 4, 1], unit: 'px', seconds: 0,
    config: { levels, scope: 'global', keepFirstLast: false, bnReestimate: null, scorer: 'tfjs', split: 'val', threshold: 0.5, batchSize: 1, maxSlices: 0 },
    slices: [{ caseId: 'a', index: 0, truth: '' }, { caseId: 'b', index: 0, truth: '' }],
    levels: levels.map((s) => {
      const d = dice[s];
      const mean = (d[0] + d[1]) / 2;
      return {
        sparsity: s, achieved: s, overall: s, perLayer: [], perVolume: [], seconds: 0,
        aggregate: { cases: 2, dice: summary(mean, 0.1), iou: summary(mean, 0.1), hd95: summary(1, 0), hd95Missing: 0, emptyTruthCases: 0, emptyTruthWithFalsePositive: 0, emptyTruthFpPixels: 0 },
        perCase: d.map((v, i) => ({ caseId: i ? 'b' : 'a', index: 0, dice: v, iou: v, hd95: 1, fpArea: 0, pred: '' })),
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

  it('fragile slices rank by the largest Dice drop from the first level', () => {
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
