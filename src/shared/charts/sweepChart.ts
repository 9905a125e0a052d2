/**
 * The Dice-versus-sparsity chart of the report and of the app's Sweep view: one construction, so
 * both look the same. Sweep levels crowd near 100 % (80, 90, 95, 98), so the x axis is the
 * level's position in the sweep, evenly spaced and labelled with its sparsity. Intervals (95 %
 * CIs from src/shared/stats) are error bars, side by side per level, so overlapping runs stay
 * readable. Every marker carries its value and interval as hover text.
 */
import { lineChart, type ChartOptions, type Series } from './svg';
import { percent } from '../format/percent';

export interface SweepChartPoint {
  /** Sparsity, fraction in [0, 1]; must be one of the chart's levels. */
  sparsity: number;
  value: number;
  /** Interval around the value (drawn as an error bar), e.g. a 95 % confidence interval. */
  lo?: number;
  hi?: number;
  /** Values behind `value` (e.g. lesion cases), shown with it. */
  n?: number;
  /** What this point's interval is, when it differs from the chart's `band` ("95 % CI over cases"). */
  interval?: string;
}

export interface SweepChartSeries {
  label: string;
  color: string;
  dashed?: boolean;
  points: SweepChartPoint[];
}

export interface SweepChartInput {
  title: string;
  /** Sparsity levels (fractions), ascending: one evenly spaced x position each. */
  levels: number[];
  series: SweepChartSeries[];
  /** What y is, named in the axis, the legend and every hover text ("mean per-case Dice"). */
  metric: string;
  /** What the intervals are ("95 % CI over cases"); omit when there are none. */
  band?: string;
  xLabel: string;
  /** Levels (fractions) marked with a dashed guide line. */
  guides?: number[];
  width?: number;
  height?: number;
}

const X_PAD = 0.3;

/** The level index nearest to an x position (SVG units) of a chart drawn with these options. */
export function levelAt(o: ChartOptions, frame: { left: number; plotWidth: number }, x: number, levels: number): number {
  const v = o.x[0] + ((x - frame.left) / frame.plotWidth) * (o.x[1] - o.x[0]);
  return Math.max(0, Math.min(levels - 1, Math.round(v)));
}

export const levelLabel = (s: number): string => percent(s, { trim: true, compact: true });

export function hoverText(
  series: string,
  sparsity: number,
  p: { value: number; lo?: number; hi?: number; n?: number; interval?: string },
  metric: string,
  band?: string,
): string {
  const n = p.n !== undefined ? `n = ${p.n}` : '';
  const interval =
    p.lo !== undefined && p.hi !== undefined
      ? ` (${p.interval ?? band ?? 'interval'} ${p.lo.toFixed(3)}–${p.hi.toFixed(3)}${n ? `, ${n}` : ''})`
      : n
        ? ` (${n}${band ? ', no interval' : ''})`
        : '';
  return `${series} at ${levelLabel(sparsity)}: ${metric} ${p.value.toFixed(3)}${interval}`;
}

/** The options `lineChart` gets for this input (the app maps the pointer with `chartFrame` of them). */
export function sweepChartOptions(input: SweepChartInput): ChartOptions {
  const { levels } = input;
  return {
    title: input.title,
    xLabel: input.xLabel,
    yLabel: input.metric,
    // Half a bar group of room at both ends, so the first and last levels' bars stay inside the frame.
    x: [-X_PAD, Math.max(1, levels.length - 1) + X_PAD],
    y: [0, 1],
    xTicks: levels.map((_, i) => i),
    xFormat: (i) => (levels[Math.round(i)] !== undefined ? levelLabel(levels[Math.round(i)]) : ''),
    guides: (input.guides ?? []).map((g) => levels.indexOf(g)).filter((i) => i >= 0),
    legendTitle: `${input.metric}${input.band ? ` · error bars: ${input.band}` : ''}`,
    bands: !!input.band,
    intervals: 'bars',
    // Several runs at one level: their bars sit side by side (a few px), never on top of each other.
    dodge: Math.min(6, 24 / Math.max(1, input.series.length)),
    ...(input.width ? { width: input.width } : {}),
    ...(input.height ? { height: input.height } : {}),
  };
}

export function sweepChart(input: SweepChartInput): string {
  const series: Series[] = input.series.map((s) => ({
    label: s.label,
    color: s.color,
    dashed: s.dashed,
    markers: true,
    points: s.points
      .filter((p) => input.levels.includes(p.sparsity) && Number.isFinite(p.value))
      .map((p) => ({
        x: input.levels.indexOf(p.sparsity),
        y: p.value,
        ...(p.lo !== undefined && p.hi !== undefined ? { lo: p.lo, hi: p.hi } : {}),
        title: hoverText(s.label, p.sparsity, p, input.metric, input.band),
      })),
  }));
  return lineChart(series, sweepChartOptions(input));
}
