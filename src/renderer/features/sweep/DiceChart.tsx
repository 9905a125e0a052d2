/**
 * Per-case Dice versus the pruning level: the report's chart (same SVG, same construction), with a hover
 * read-out of every series at the level under the pointer. Arrow keys move the read-out when the
 * chart has focus, so the values are reachable without a mouse.
 */
import { useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { chartFrame } from '../../../shared/charts/svg';
import { levelAt, sweepChart, sweepChartOptions, type SweepChartInput } from '../../../shared/charts/sweepChart';
import { describeLevel, levelsQuantity, type LevelMeaning } from '../../../shared/sweep/levels';

export function DiceChart({ data }: { data: SweepChartInput & { values: number; levelMeanings: LevelMeaning[] } }) {
  const svg = useMemo(() => sweepChart(data), [data]);
  const options = useMemo(() => sweepChartOptions(data), [data]);
  const frame = useMemo(() => chartFrame(options, data.series.length), [options, data.series.length]);
  const box = useRef<HTMLDivElement>(null);
  const [at, setAt] = useState<number>();
  const n = data.levels.length;

  const onMove = (e: PointerEvent) => {
    const el = box.current;
    if (!el || n === 0) return;
    const r = el.getBoundingClientRect();
    const x = ((e.clientX - r.left) * frame.width) / r.width;
    if (x < frame.left - 20 || x > frame.left + frame.plotWidth + 20) return setAt(undefined);
    setAt(levelAt(options, frame, x, n));
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    setAt((i) => Math.max(0, Math.min(n - 1, i === undefined ? 0 : i + (e.key === 'ArrowRight' ? 1 : -1))));
  };

  const level = at !== undefined ? data.levels[at] : undefined;
  // Where the read-out sits, as a fraction of the chart's width (the SVG scales with its box).
  const xFrac = at !== undefined ? frame.sx(at) / frame.width : 0;

  return (
    <figure
      className="sweep-chart box"
      aria-label={`Per-case Dice versus ${levelsQuantity(data.levelMeanings)}: ${data.series.length} runs, ${n} levels`}
    >
      <div
        ref={box}
        className="sweep-chart__plot"
        data-testid="dice-chart"
        data-series={data.series.length}
        data-points={n}
        data-values={data.values}
        tabIndex={0}
        role="group"
        aria-label="Dice chart: hover or use the left and right arrow keys to read every run's value at a level"
        onPointerMove={onMove}
        onPointerLeave={() => setAt(undefined)}
        onKeyDown={onKey}
        onBlur={() => setAt(undefined)}
      >
        <div className="sweep-chart__svg" dangerouslySetInnerHTML={{ __html: svg }} />
        {level !== undefined && (
          <>
            <div
              className="sweep-chart__cursor"
              style={{
                left: `${xFrac * 100}%`,
                top: `${(frame.top / frame.height) * 100}%`,
                height: `${(frame.plotHeight / frame.height) * 100}%`,
              }}
            />
            <div
              className={`sweep-chart__tip${xFrac > 0.45 ? ' sweep-chart__tip--left' : ''}`}
              style={{ left: `${xFrac * 100}%` }}
              role="status"
              data-testid="chart-tip"
            >
              <strong>{describeLevel(level, data.levelMeanings)}</strong>
              <table>
                <tbody>
                  {data.series.map((s) => {
                    const p = s.points.find((q) => q.sparsity === level);
                    return (
                      <tr key={s.label}>
                        <td>
                          <span className="sweep-legend__swatch" style={{ background: s.color }} aria-hidden="true" />
                          {s.label}
                        </td>
                        <td className="num">{p ? p.value.toFixed(3) : '–'}</td>
                        <td className="num sweep-muted">
                          {p && p.lo !== undefined && p.hi !== undefined
                            ? `${data.band ?? 'interval'} ${p.lo.toFixed(3)}–${p.hi.toFixed(3)}`
                            : p
                              ? 'no interval'
                              : ''}
                        </td>
                        <td className="num sweep-muted">{p?.n !== undefined ? `n = ${p.n}` : ''}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
    </figure>
  );
}
