/** The report's charts, built from results.json data (plus weight histograms from the run records). */
import type { Group, Results, RunSummary } from '../../shared/experiment/results';
import type { RunRecord } from '../../shared/run/record';
import { lineChart, type Series } from '../../shared/charts/svg';
import { groupStyle } from '../../shared/charts/style';
import { sweepChart } from '../../shared/charts/sweepChart';
import { meanIntervalLabel } from '../../shared/stats/mean';
import { levelAxisTitle, levelQuantity } from '../../shared/sweep/levels';

export function diceChart(groups: Group[], results: Results): string {
  const style = groupStyle(groups);
  const sw = results.experiment.config.sweep;
  return sweepChart({
    title: 'Per-case Dice after one-shot pruning (no fine-tuning)',
    levels: results.experiment.config.sweep.levels,
    metric: 'mean per-case Dice',
    band: diceIntervalLabel(groups),
    xLabel: `${levelQuantity(sw)} (${sw.family === 'channel' ? 'channel pruning' : `${sw.scope} magnitude pruning`}; levels evenly spaced)`,
    guides: results.experiment.config.report.headlineLevels,
    series: groups.map((g) => ({
      label: g.label,
      ...style.get(g.group)!,
      points: g.levels
        .filter((l) => l.caseDiceMean !== null)
        .map((l) => ({
          sparsity: l.sparsity,
          value: l.caseDiceMean!,
          ...(l.caseDiceCi
            ? { lo: l.caseDiceCi.lo, hi: l.caseDiceCi.hi, n: l.caseDiceCi.n, interval: meanIntervalLabel(l.caseDiceCi.over) }
            : { n: l.seeds }),
        })),
    })),
  });
}

/** What the Dice intervals of these groups are over ("95 % CI over seeds"), as the chart and table name it. */
export function diceIntervalLabel(groups: Group[]): string {
  return meanIntervalLabel(groups.flatMap((g) => g.levels.flatMap((l) => (l.caseDiceCi ? [l.caseDiceCi.over] : []))));
}

/** Lesion-slice Dice: per-slice Dice over the slices with a lesion. */
export function lesionDiceChart(groups: Group[], results: Results): string {
  const style = groupStyle(groups);
  return sweepChart({
    title: 'Lesion-slice Dice',
    levels: results.experiment.config.sweep.levels,
    metric: 'mean slice Dice (true mask not empty)',
    xLabel: levelAxisTitle([results.experiment.config.sweep]),
    guides: results.experiment.config.report.headlineLevels,
    width: 480,
    height: 300,
    series: groups.map((g) => ({
      label: g.label,
      ...style.get(g.group)!,
      points: g.levels.filter((l) => l.lesionSliceDiceMean !== null).map((l) => ({ sparsity: l.sparsity, value: l.lesionSliceDiceMean! })),
    })),
  });
}

/**
 * Global histograms of the rank>1 weights after training, one line per group (its first seed),
 * on a log count scale: VAR's effect sits in the centre bin and the tails.
 */
export function histogramChart(groups: Group[], runs: RunSummary[], records: Map<string, RunRecord>): string {
  const style = groupStyle(groups);
  const series: Series[] = [];
  let maxLog = 1;
  let range = 0.5;
  for (const g of groups) {
    const run = runs.find((r) => r.group === g.group);
    const h = run ? records.get(run.runId)?.epochs.at(-1)?.weightStats.global.histogram : undefined;
    if (!h) continue;
    range = Math.max(Math.abs(h.edges[0]), Math.abs(h.edges.at(-1)!));
    const total = h.counts.reduce((a, b) => a + b, 0) || 1;
    const points = h.counts.map((c, i) => {
      const y = Math.log10(1 + (c / total) * 1e6);
      maxLog = Math.max(maxLog, y);
      return { x: (h.edges[i] + h.edges[i + 1]) / 2, y };
    });
    series.push({ label: g.label, ...style.get(g.group)!, points });
  }
  const top = Math.ceil(maxLog);
  return lineChart(series, {
    title: 'Weight distribution after training (all conv kernels)',
    xLabel: 'weight value',
    yLabel: 'log10(1 + parts per million)',
    x: [-range, range],
    y: [0, top],
    yTicks: Array.from({ length: top + 1 }, (_, i) => i),
    width: 480,
    height: 300,
    bands: false,
  });
}

/** Per-epoch training loss (solid) and validation Dice, one chart each. */
export function trainingCharts(groups: Group[], runs: RunSummary[]): string[] {
  const style = groupStyle(groups);
  const maxEpoch = Math.max(1, ...runs.flatMap((r) => r.epochs.map((e) => e.epoch + 1)));
  const perRun = (pick: (e: RunSummary['epochs'][number]) => number | null): Series[] =>
    runs.map((r) => ({
      label: runs.filter((x) => x.group === r.group).length > 1 ? `${r.label} s${r.seed}` : r.label,
      ...style.get(r.group)!,
      markers: true,
      points: r.epochs.flatMap((e) => {
        const v = pick(e);
        return v === null || !Number.isFinite(v) ? [] : [{ x: e.epoch + 1, y: v }];
      }),
    }));
  const loss = perRun((e) => e.trainLoss);
  const maxLoss = Math.max(0.1, ...loss.flatMap((s) => s.points.map((p) => p.y)));
  const xTicks = Array.from({ length: maxEpoch }, (_, i) => i + 1).filter((e) => maxEpoch <= 12 || e % Math.ceil(maxEpoch / 10) === 0);
  return [
    lineChart(loss, {
      title: 'Training loss (BCE + soft Dice, without the VAR term)',
      xLabel: 'epoch',
      yLabel: 'loss',
      x: [1, Math.max(2, maxEpoch)],
      y: [0, Math.ceil(maxLoss * 10) / 10],
      xTicks,
      width: 480,
      height: 300,
    }),
    lineChart(
      perRun((e) => e.valCaseDice),
      {
        title: 'Validation per-case Dice (dense model)',
        xLabel: 'epoch',
        yLabel: 'per-case Dice',
        x: [1, Math.max(2, maxEpoch)],
        y: [0, 1],
        xTicks,
        width: 480,
        height: 300,
      },
    ),
  ];
}
