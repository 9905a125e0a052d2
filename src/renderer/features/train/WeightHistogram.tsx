/**
 * Weight-distribution histogram of up to two runs on the fixed bins of the run records, so
 * SGD and SGD+VAR overlay bin for bin (the paper's Figure 1). Log counts show the tails and the
 * spike at zero that VAR grows.
 */
import { useMemo, useState } from 'react';
import uPlot from 'uplot';
import { CHART_COLORS, themedAxis, UPlotChart, type ChartOptions } from '../../components/charts/UPlotChart';
import type { WeightStats } from '../../../shared/run/record';

export interface HistogramSeries {
  label: string;
  stats: WeightStats['global'];
  epoch: number;
}

/** Half-widths of the x range: the whole binned range, or a zoom around zero where VAR's effect shows. */
const RANGES = [
  { id: 'full', label: 'Full range' },
  { id: '0.05', label: 'Around zero (±0.05)' },
  { id: '0.02', label: 'Around zero (±0.02)' },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

function options(labels: string[], log: boolean, range: RangeId): ChartOptions {
  const stepped = uPlot.paths.stepped!({ align: 1 });
  const half = range === 'full' ? undefined : Number(range);
  return {
    height: 220,
    scales: { x: half ? { time: false, range: [-half, half] } : { time: false }, y: log ? { distr: 3 } : {} },
    axes: [themedAxis({ label: 'weight value', size: 36 }), themedAxis({ size: 56, label: log ? 'count (log)' : 'count' })],
    series: [
      { label: 'w' },
      ...labels.map((label, i) => ({
        label,
        stroke: CHART_COLORS.series[i],
        // Overlaid runs stay apart: the first filled, the second a dashed outline on top.
        ...(i === 0 ? { fill: `${CHART_COLORS.series[i]}33` } : { dash: [6, 4] }),
        width: i === 0 ? 1.5 : 2,
        paths: stepped,
        points: { show: false },
      })),
    ],
    legend: { show: true },
  };
}

export function WeightHistogram({ series }: { series: HistogramSeries[] }) {
  const [log, setLog] = useState(true);
  const [range, setRange] = useState<RangeId>('full');
  const labels = series.map((s) => s.label);
  const labelKey = labels.join('\u0000');
  // Recreate the chart only when the legend or the scale changes, not on every new epoch.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the labels' text (see above)
  const opts = useMemo(() => options(labels, log, range), [labelKey, log, range]);
  const data = useMemo<uPlot.AlignedData>(() => {
    if (series.length === 0) return [[]];
    const edges = series[0].stats.histogram.edges;
    // Stepped with align 1: bin i spans [edge i, edge i+1]; repeat the last count at the right edge.
    const col = (counts: number[]) => [...counts, counts.at(-1) ?? 0].map((c) => (log && c <= 0 ? null : c));
    return [edges, ...series.map((s) => col(s.stats.histogram.counts))] as uPlot.AlignedData;
  }, [series, log]);

  return (
    <div className="weight-hist">
      <div className="weight-hist__head">
        <label className="check">
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> Log-scale counts
        </label>
        <label className="weight-hist__range">
          Range{' '}
          <select value={range} onChange={(e) => setRange(e.target.value as RangeId)} aria-label="Histogram range">
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {series.length === 0 ? (
        <p className="muted">The weight histogram appears after the first epoch.</p>
      ) : (
        <>
          <UPlotChart
            key={`${series.length}-${range}`}
            label={series.length === 2 ? 'Weight distribution: overlay of two runs' : 'Weight distribution'}
            options={opts}
            data={data}
            summary={series
              .map((s) => `${s.label}: std ${s.stats.std.toPrecision(3)}, ${(100 * s.stats.fracBelow1e3).toFixed(1)}% of |w| below 1e-3`)
              .join('; ')}
            className="weight-hist__chart"
          />
          <table className="weight-hist__stats" aria-label="Weight statistics">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Epoch</th>
                <th scope="col">Weights</th>
                <th scope="col">Std</th>
                <th
                  scope="col"
                  title="Share of the conv kernels' weights whose magnitude is below 0.001: what magnitude pruning removes first at no cost"
                >
                  |w| &lt; 1e-3
                </th>
                <th scope="col">Outside ±{Math.abs(series[0].stats.histogram.edges[0])}</th>
              </tr>
            </thead>
            <tbody>
              {series.map((s, i) => (
                <tr key={s.label + i}>
                  <td>
                    <span className={`swatch swatch--${i}`} aria-hidden="true" />
                    {s.label}
                  </td>
                  <td>{s.epoch + 1}</td>
                  <td>{s.stats.count.toLocaleString()}</td>
                  <td>{s.stats.std.toPrecision(3)}</td>
                  <td>{(100 * s.stats.fracBelow1e3).toFixed(2)}%</td>
                  <td>{s.stats.histogram.clipped}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
