import type { CaseMetrics } from './case';

export interface Summary {
  /** Values that entered the statistics. */
  n: number;
  mean: number | null;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: number | null;
  median: number | null;
}

export interface AggregateMetrics {
  cases: number;
  dice: Summary;
  iou: Summary;
  /** Over cases with a defined HD95 only (see CaseMetrics' policy). */
  hd95: Summary;
  /** Cases whose HD95 is null: exactly one of truth and prediction is empty. */
  hd95Missing: number;
  emptyTruthCases: number;
  /** Empty-truth cases where something was predicted, and the total false-positive pixels there. */
  emptyTruthWithFalsePositive: number;
  emptyTruthFpPixels: number;
}

export function summarize(values: number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: null, std: null, median: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const s = Float64Array.from(values).sort();
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { n, mean, std, median };
}

/** Dice and IoU statistics include every case (empty ones by the stated policy). */
export function aggregate(cases: CaseMetrics[]): AggregateMetrics {
  const empty = cases.filter((c) => c.emptyTruth);
  const emptyFp = empty.filter((c) => c.fpPixels > 0);
  return {
    cases: cases.length,
    dice: summarize(cases.map((c) => c.dice)),
    iou: summarize(cases.map((c) => c.iou)),
    hd95: summarize(cases.flatMap((c) => (c.hd95 === null ? [] : [c.hd95]))),
    hd95Missing: cases.filter((c) => c.hd95 === null).length,
    emptyTruthCases: empty.length,
    emptyTruthWithFalsePositive: emptyFp.length,
    emptyTruthFpPixels: emptyFp.reduce((a, c) => a + c.fpPixels, 0),
  };
}
