/** The report's charts, built from results.json data (plus weight histograms from the run records). */
import type { Group, Results, RunSummary } from '../../shared/experiment/results';
import type { RunRecord } from '../../shared/run/record';
import { lineChart, type Series } from './svg';

const METHOD_COLOUR: Record<string, string[]> = {
  // Per method: a dark shade for the first VAR lambda... and a muted one for plain.
  sgd: ['#7f8c9a', '#d9480f', '#f08c00', '#a61e4d'],
  sam: ['#74a0c4', '#1864ab', '#4263eb', '#0b7285'],
  cram: ['#a0a0a0', '#5f3dc4', '#9c36b5', '#2b8a3e'],
  'cram+': ['#b0a090', '#2b8a3e', '#5c940d', '#862e9c'],
};

/** One colour per group: plain runs muted and dashed, VAR runs saturated and solid. */
export function groupStyle(groups: { group: string; optimizer: string; varLambda: number }[]): Map<string, { color: string; dashed: boolean }> {
  const out = new Map<string, { color: string; dashed: boolean }>();
  const lambdaIndex = new Map<string, number>();
  for (const g of groups) {
    const palette = METHOD_COLOUR[g.optimizer] ?? METHOD_COLOUR.sgd;
    if (g.varLambda === 0) {
      out.set(g.group, { color: palette[0], dashed: true });
    } else {
      const i = (lambdaIndex.get(g.optimizer) ?? 0) + 1;
      lambdaIndex.set(g.optimizer, i);
      out.set(g.group, { color: palette[Math.min(i, palette.length - 1)], dashed: false });
    }
  }
  return out;
}

const pctTick = (v: number) => `${Math.round(v * 1000) / 10}%`;

/**
 * Sweep levels crowd near 100 % (80, 85, 90, 95, 98), so the x axis is the level's position
 * in the sweep, evenly spaced and labelled with its sparsity.
 */
function levelAxis(levels: number[]) {
  const pos = (s: number) => levels.indexOf(s);
  return {
    pos,
    options: {
      x: [0, Math.max(1, levels.length - 1)] as [number, number],
      xTicks: levels.map((_, i) => i),
      xFormat: (i: number) => (levels[Math.round(i)] !== undefined ? pctTick(levels[Math.round(i)]) : ''),
      guides: [] as number[],
    },
  };
}

export function diceChart(groups: Group[], results: Results): string {
  const style = groupStyle(groups);
  const axis = levelAxis(results.experiment.config.sweep.levels);
  const multiSeed = results.experiment.config.seeds.length > 1;
  const series: Series[] = groups.map((g) => ({
    label: g.label,
    ...style.get(g.group)!,
    markers: true,
    points: g.levels
      .filter((l) => l.caseDiceMean !== null)
      .map((l) => {
        const spread = multiSeed ? l.caseDiceStdSeeds : l.caseDiceSemCases;
        return { x: axis.pos(l.sparsity), y: l.caseDiceMean!, ...(spread !== null ? { lo: l.caseDiceMean! - spread, hi: l.caseDiceMean! + spread } : {}) };
      }),
  }));
  return lineChart(series, {
    title: 'Per-case Dice after one-shot pruning (no fine-tuning)',
    xLabel: `sparsity (${results.experiment.config.sweep.scope} magnitude pruning; levels evenly spaced)`,
    yLabel: 'mean per-case Dice',
    y: [0, 1],
    ...axis.options,
    guides: results.experiment.config.report.headlineLevels.map(axis.pos).filter((i) => i >= 0),
  });
}

/** Lesion-slice Dice: per-slice Dice over the slices with a lesion. */
export function lesionDiceChart(groups: Group[], results: Results): string {
  const style = groupStyle(groups);
  const axis = levelAxis(results.experiment.config.sweep.levels);
  const series: Series[] = groups.map((g) => ({
    label: g.label,
    ...style.get(g.group)!,
    markers: true,
    points: g.levels.filter((l) => l.lesionSliceDiceMean !== null).map((l) => ({ x: axis.pos(l.sparsity), y: l.lesionSliceDiceMean! })),
  }));
  return lineChart(series, {
    title: 'Lesion-slice Dice',
    xLabel: 'sparsity (levels evenly spaced)',
    yLabel: 'mean slice Dice (true mask not empty)',
    y: [0, 1],
    ...axis.options,
    guides: results.experiment.config.report.headlineLevels.map(axis.pos).filter((i) => i >= 0),
    width: 480,
    height: 300,
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
    lineChart(loss, { title: 'Training loss (BCE + soft Dice, without the VAR term)', xLabel: 'epoch', yLabel: 'loss', x: [1, Math.max(2, maxEpoch)], y: [0, Math.ceil(maxLoss * 10) / 10], xTicks, width: 480, height: 300 }),
    lineChart(perRun((e) => e.valDice), { title: 'Validation Dice (dense model)', xLabel: 'epoch', yLabel: 'Dice', x: [1, Math.max(2, maxEpoch)], y: [0, 1], xTicks, width: 480, height: 300 }),
  ];
}
