/** A small sweep record with chosen per-case Dice per level (two cases, a and b), for chart and view tests. */
import type { SweepRecord } from '../../../src/shared/sweep';

const stats = (mean: number, std: number) => ({ n: 2, mean, std, median: mean });
const noRate = { n: 0, withPrediction: 0, rate: null };
export function record(dice: Record<number, number[]>): SweepRecord {
  const levels = Object.keys(dice)
    .map(Number)
    .sort((a, b) => a - b);
  return {
    version: 4,
    sweepId: 'sw-x',
    runId: 'r',
    runIds: ['r'],
    status: 'completed',
    createdAt: '',
    updatedAt: '',
    backend: 'cpu',
    inputShape: [4, 4, 1],
    unit: 'px',
    seconds: 0,
    config: {
      family: 'unstructured',
      levels,
      scope: 'global',
      keepFirstLast: false,
      channelCriterion: 'l1',
      channelTarget: 'params',
      bnReestimate: null,
      scorer: 'tfjs',
      split: 'val',
      threshold: 0.5,
      batchSize: 1,
      maxSlices: 0,
      measure: 'none',
      latencyRuns: 20,
    },
    slices: [
      { caseId: 'a', index: 0, truth: '' },
      { caseId: 'b', index: 0, truth: '' },
    ],
    levels: levels.map((s) => {
      const d = dice[s];
      const mean = (d[0] + d[1]) / 2;
      return {
        sparsity: s,
        achieved: s,
        overall: s,
        perLayer: [],
        seconds: 0,
        summary: {
          cases: 2,
          slices: 2,
          lesionCases: 2,
          lesionSlices: 2,
          caseDice: stats(mean, 0.1),
          caseIoU: stats(mean, 0.1),
          lesionSliceDice: stats(mean, 0.1),
          falsePositiveEmptySlices: noRate,
          falsePositiveEmptyCases: noRate,
          hd95Pooled: stats(1, 0),
          hd95MaxDirected: stats(1, 0),
          hd95Missing: 0,
          hd95Unit: 'px' as const,
        },
        perSlice: d.map((v, i) => ({ caseId: i ? 'b' : 'a', index: 0, lesion: true, dice: v, iou: v, hd95: 1, fpPixels: 0, pred: '' })),
        perCase: d.map((v, i) => ({
          caseId: i ? 'b' : 'a',
          slices: 1,
          lesion: true,
          dice: v,
          iou: v,
          hd95Pooled: 1,
          hd95MaxDirected: 1,
          truePixels: 1,
          predPixels: 1,
          fpPixels: 0,
        })),
      };
    }),
  };
}
