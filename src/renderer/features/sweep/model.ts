/** Pure helpers of the Sweep view: which sweep to show per run, chart series, formatting. */
import type { CallOutput } from '../../../shared/api/contract';
import type { SweepRecord, SweepSummary } from '../../../shared/sweep/result';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { groupStyle } from '../../../shared/charts/style';
import type { SweepChartInput, SweepChartSeries } from '../../../shared/charts/sweepChart';

export type SweepList = CallOutput<'sweep.list'>;
export type SweepableRun = SweepList['runs'][number];

export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)} %`);
export const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '–' : x.toFixed(digits));

/** The sweep a run shows by default: its newest one with at least one scored level. */
export function defaultSweep(run: SweepableRun): SweepSummary | undefined {
  return run.sweeps.find((s) => s.status === 'completed') ?? run.sweeps.find((s) => s.levels.length > 0);
}


/**
 * Two-sided 95 % Student-t quantiles for 1..30 degrees of freedom; above 30, 1.96 + 2.5/df is
 * within 0.002 of the exact value (e.g. df 40: 2.0215 vs 2.0211).
 */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/**
 * 95 % confidence interval of a mean from its summary (t interval over the n values: here the
 * per-case Dice of the lesion cases), clipped to [0, 1]. Undefined with fewer than 2 values.
 */
export function meanInterval95(s: { n: number; mean: number | null; std: number | null }): { lo: number; hi: number } | undefined {
  if (s.mean === null || s.std === null || s.n < 2) return undefined;
  const df = s.n - 1;
  const t = df <= 30 ? T975[df - 1] : 1.96 + 2.5 / df;
  const half = (t * s.std) / Math.sqrt(s.n);
  return { lo: Math.max(0, s.mean - half), hi: Math.min(1, s.mean + half) };
}

export const CHART_METRIC = 'mean per-case Dice';
export const CHART_BAND = '95 % CI over cases';

/** The Sweep view's chart: the report's construction (evenly spaced levels, same colours), one line per run. */
export function chartData(entries: { run: SweepableRun; record: SweepRecord }[]): SweepChartInput & { values: number } {
  const levels = [...new Set(entries.flatMap((e) => e.record.levels.map((l) => l.sparsity)))].sort((a, b) => a - b);
  const style = groupStyle(entries.map(({ run }) => ({ group: run.runId, optimizer: run.method, varLambda: run.varLambda })));
  const series: SweepChartSeries[] = entries.map(({ run, record }) => ({
    label: `${run.name} · ${methodLabel(run.method, run.varLambda)}`,
    ...style.get(run.runId)!,
    points: record.levels
      .filter((l) => l.summary.caseDice.mean !== null)
      .map((l) => ({ sparsity: l.sparsity, value: l.summary.caseDice.mean!, n: l.summary.caseDice.n, ...meanInterval95(l.summary.caseDice) })),
  }));
  return {
    title: 'Per-case Dice after one-shot pruning (no fine-tuning)',
    levels,
    series,
    metric: CHART_METRIC,
    band: CHART_BAND,
    xLabel: 'sparsity (levels evenly spaced)',
    width: 760,
    height: 320,
    values: series.reduce((n, s) => n + s.points.length, 0),
  };
}
