import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { LINE_COLOURS, type ChartData } from './model';

const BAND_ALPHA = '33';

/** Mean per-case Dice versus sparsity: one line per run, a shaded spread band per method. */
export function DiceChart({ data }: { data: ChartData }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el || data.x.length === 0) return;
    const colourOf = (i: number) => LINE_COLOURS[i % LINE_COLOURS.length];
    const methodColour = new Map<string, string>();
    data.series.forEach((s, i) => {
      if (!methodColour.has(s.method)) methodColour.set(s.method, colourOf(i));
    });
    const lines: uPlot.Series[] = data.series.map((s, i) => ({
      label: s.label,
      stroke: colourOf(i),
      width: 2,
      spanGaps: true,
      points: { show: true, size: 7, fill: colourOf(i) },
    }));
    const bandSeries: uPlot.Series[] = data.bands.flatMap((b) => [
      { label: `${b.method} high`, stroke: 'transparent', points: { show: false }, spanGaps: true },
      { label: `${b.method} low`, stroke: 'transparent', points: { show: false }, spanGaps: true },
    ]);
    const first = 1 + data.series.length;
    const bands: uPlot.Band[] = data.bands.map((b, i) => ({
      series: [first + 2 * i, first + 2 * i + 1],
      fill: `${methodColour.get(b.method) ?? '#888888'}${BAND_ALPHA}`,
    }));
    const aligned: uPlot.AlignedData = [data.x, ...data.series.map((s) => s.dice), ...data.bands.flatMap((b) => [b.hi, b.lo])];
    const axis = { stroke: '#8a97a6', grid: { stroke: '#262f3a', width: 1 }, ticks: { stroke: '#262f3a' } };
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 280,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [
        { ...axis, label: 'Sparsity (%)', values: (_u, ticks) => ticks.map((t) => `${t}`) },
        { ...axis, label: 'Per-case Dice', values: (_u, ticks) => ticks.map((t) => t.toFixed(1)) },
      ],
      series: [{ label: 'Sparsity' }, ...lines, ...bandSeries],
      bands,
    };
    const plot = new uPlot(opts, aligned, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height: 280 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [data]);

  // Dice values actually plotted (one per run and level it has): lets tests see every line fill.
  const plotted = data.series.reduce((n, s) => n + s.dice.filter((d) => d !== null).length, 0);

  return (
    <figure className="sweep-chart" aria-label={`Per-case Dice versus sparsity: ${data.series.length} runs, ${data.x.length} levels`}>
      <div ref={host} className="sweep-chart__plot" data-testid="dice-chart" data-series={data.series.length} data-points={data.x.length} data-values={plotted} />
      <figcaption className="sweep-chart__legend">
        {data.series.map((s, i) => (
          <span key={s.runId} className="sweep-legend__item">
            <span className="sweep-legend__swatch" style={{ background: LINE_COLOURS[i % LINE_COLOURS.length] }} aria-hidden="true" />
            {s.label}
          </span>
        ))}
        {data.bands.length > 0 && (
          <span className="sweep-legend__note">
            Bands: {data.bands.some((b) => b.kind === 'min-max') ? 'min–max over runs of the same method' : ''}
            {data.bands.some((b) => b.kind === 'min-max') && data.bands.some((b) => b.kind === 'std') ? '; ' : ''}
            {data.bands.some((b) => b.kind === 'std') ? '±1 std over slices' : ''}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
