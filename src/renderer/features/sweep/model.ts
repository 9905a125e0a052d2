/** Pure helpers of the Sweep view: which sweep to show per run, chart series, formatting. */
import type { CallOutput } from '../../../shared/api/contract';
import { pruneFamilies, type PruneFamily } from '../../../shared/sweep/config';
import type { SweepRecord, SweepSummary } from '../../../shared/sweep/result';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { groupStyle } from '../../../shared/charts/style';
import type { SweepChartInput, SweepChartSeries } from '../../../shared/charts/sweepChart';
import { meanIntervalLabel, meanIntervalOf } from '../../../shared/stats/mean';
import { percent } from '../../../shared/format/percent';
import { levelAxisTitle, type LevelMeaning } from '../../../shared/sweep/levels';

export type SweepList = CallOutput<'sweep.list'>;
export type SweepableRun = SweepList['runs'][number];

export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : percent(x, { digits }));
/** How a sweep's pruning family is named in the view (the one rule in src/shared/sweep/levels.ts). */
export { familyLabel } from '../../../shared/sweep/levels';

export const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '–' : x.toFixed(digits));

/** The sweep a run shows by default: its newest one with at least one scored level. */
export function defaultSweep(run: SweepableRun): SweepSummary | undefined {
  return run.sweeps.find((s) => s.status === 'completed') ?? run.sweeps.find((s) => s.levels.length > 0);
}

export const CHART_METRIC = 'mean per-case Dice';
/** Each run's line: its interval is over its cases (one run, one seed). */
export const CHART_BAND = meanIntervalLabel('cases');

/** The 95 % interval of a level's mean per-case Dice over the run's lesion cases (src/shared/stats). */
export function caseInterval(s: {
  n: number;
  mean: number | null;
  std: number | null;
}): { lo: number; hi: number } | Record<string, never> {
  const ci = meanIntervalOf(s, 'cases', { bounds: [0, 1] });
  return ci ? { lo: ci.lo, hi: ci.hi } : {};
}

/** The Sweep view's chart: the report's construction (evenly spaced levels, same colours), one line per run. */
export function chartData(
  entries: { run: SweepableRun; record: SweepRecord }[],
): SweepChartInput & { values: number; levelMeanings: LevelMeaning[] } {
  const levels = [...new Set(entries.flatMap((e) => e.record.levels.map((l) => l.sparsity)))].sort((a, b) => a - b);
  const style = groupStyle(entries.map(({ run }) => ({ group: run.runId, optimizer: run.method, varLambda: run.varLambda })));
  const series: SweepChartSeries[] = entries.map(({ run, record }) => ({
    label: `${run.name} · ${methodLabel(run.method, run.varLambda)}${record.config.family === 'channel' ? ' · channel' : ''}`,
    ...style.get(run.runId)!,
    points: record.levels
      .filter((l) => l.summary.caseDice.mean !== null)
      .map((l) => ({
        sparsity: l.sparsity,
        value: l.summary.caseDice.mean!,
        n: l.summary.caseDice.n,
        ...caseInterval(l.summary.caseDice),
      })),
  }));
  return {
    title: 'Per-case Dice after one-shot pruning (no fine-tuning)',
    levels,
    series,
    metric: CHART_METRIC,
    band: CHART_BAND,
    xLabel: levelAxisTitle(entries.map((e) => e.record.config)),
    // What a level counts (sparsity, or weights removed with their channels): the read-out names it too.
    levelMeanings: entries.map((e) => e.record.config),
    width: 760,
    height: 320,
    values: series.reduce((n, s) => n + s.points.length, 0),
  };
}

/**
 * The sweep each pruning family of a run shows in the family chart: the sweep chosen for the run
 * stands for its own family; the other family shows its newest completed sweep, else its newest
 * one with a scored level.
 */
export function familySweepIds(run: SweepableRun, chosenSweepId: string | undefined): Partial<Record<PruneFamily, string>> {
  const chosen = run.sweeps.find((s) => s.sweepId === chosenSweepId);
  const out: Partial<Record<PruneFamily, string>> = {};
  for (const f of pruneFamilies) {
    const mine = run.sweeps.filter((s) => s.family === f);
    const pick = chosen?.family === f ? chosen : (mine.find((s) => s.status === 'completed') ?? mine.find((s) => s.levels.length > 0));
    if (pick) out[f] = pick.sweepId;
  }
  return out;
}
