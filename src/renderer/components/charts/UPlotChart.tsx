/**
 * A small React wrapper around uPlot: the chart is created once per `options` object (memoise
 * it), fed new data without re-creation, and follows its container's width. The wrapper is a
 * labelled figure; `data-points` counts the plotted values so tests can see a chart fill.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'> & { height?: number };

export interface UPlotChartProps {
  /** Accessible name of the figure, e.g. "Training loss". */
  label: string;
  options: ChartOptions;
  data: uPlot.AlignedData;
  /** One sentence for screen readers about what is plotted now. */
  summary?: string;
  className?: string;
}

/** Non-null values over all y series. */
export function countPoints(data: uPlot.AlignedData): number {
  let n = 0;
  for (let s = 1; s < data.length; s++) for (const v of data[s]) if (v !== null && v !== undefined) n++;
  return n;
}

export function UPlotChart({ label, options, data, summary, className }: UPlotChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const height = options.height ?? 200;
    const u = new uPlot({ ...options, width: Math.max(120, el.clientWidth), height }, latest.current, el);
    plot.current = u;
    // uPlot does not watch its container; the grid cells it lives in resize with the window.
    const ro = new ResizeObserver(() => {
      const w = Math.max(120, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [options]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className={`chart ${className ?? ''}`} aria-label={label} data-points={countPoints(data)}>
      <figcaption className="chart__title">{label}</figcaption>
      <div ref={holder} className="chart__plot" role="img" aria-label={summary ?? label} />
    </figure>
  );
}

/** Merges (x, y) series with different x into uPlot's aligned form (sorted x, null gaps). */
export function alignSeries(series: { x: number[]; y: (number | null)[] }[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    s.x.forEach((x, i) => (col[index.get(x)!] = s.y[i] ?? null));
    return col;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

/** Theme colours of the studio (styles.css) for chart strokes; uPlot draws on canvas, not CSS. */
export const CHART_COLORS = {
  axis: '#8a97a6',
  grid: '#262f3a',
  series: ['#3fb6a8', '#e0a15e', '#8f9cf0', '#e07a6e'],
};

/** Axis defaults matching the dark theme. */
export function themedAxis(extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: CHART_COLORS.axis,
    grid: { stroke: CHART_COLORS.grid, width: 1 },
    ticks: { stroke: CHART_COLORS.grid, width: 1 },
    ...extra,
  };
}
