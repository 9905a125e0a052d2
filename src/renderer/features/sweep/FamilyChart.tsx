/**
 * Both pruning families of one run side by side (src/shared/charts/familyChart.ts): per-case Dice
 * against the level, the measured latency or speed-up, or the file size, chosen here. The marker
 * nearest the pointer shows what it is; arrow keys step through the markers when the chart has focus.
 */
import { useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import {
  FAMILY_AXES,
  FAMILY_AXIS_SPECS,
  familyChart,
  familyChartData,
  type FamilyAxis,
  type FamilyChartInput,
} from '../../../shared/charts/familyChart';
import { chartFrame, seriesShift } from '../../../shared/charts/svg';

export interface FamilyRunChoice {
  runId: string;
  name: string;
}

/** The pointer counts as on a marker within this many SVG units. */
const HIT = 18;

export function FamilyChart({
  input,
  runs,
  runId,
  onRun,
  onAxis,
}: {
  input: FamilyChartInput;
  runs: FamilyRunChoice[];
  runId: string;
  onRun: (runId: string) => void;
  onAxis: (axis: FamilyAxis) => void;
}) {
  const data = useMemo(() => familyChartData(input), [input]);
  const svg = useMemo(() => familyChart(data), [data]);
  const frame = useMemo(() => chartFrame(data.options, data.series.length), [data]);
  // Every marker where lineChart draws it, in series then level order.
  const markers = useMemo(
    () =>
      data.series.flatMap((s, si) =>
        s.points
          .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
          .map((p) => ({
            x: frame.sx(p.x) + seriesShift(data.options, si, data.series.length),
            y: frame.sy(p.y),
            color: s.color,
            text: p.title ?? '',
          })),
      ),
    [data, frame],
  );
  const box = useRef<HTMLDivElement>(null);
  const [at, setAt] = useState<number>();
  const marker = at !== undefined ? markers[at] : undefined;

  const onMove = (e: PointerEvent) => {
    const el = box.current;
    if (!el || markers.length === 0) return;
    const r = el.getBoundingClientRect();
    const x = ((e.clientX - r.left) * frame.width) / r.width;
    const y = ((e.clientY - r.top) * frame.height) / r.height;
    let best: number | undefined;
    let bestD = HIT;
    markers.forEach((m, i) => {
      const d = Math.hypot(m.x - x, m.y - y);
      if (d <= bestD) [best, bestD] = [i, d];
    });
    setAt(best);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const n = markers.length;
    if (n) setAt((i) => (i === undefined ? 0 : (i + (e.key === 'ArrowRight' ? 1 : n - 1)) % n));
  };

  return (
    <section className="sweep-family box" aria-labelledby="sweep-family-title">
      <h3 id="sweep-family-title" className="box__title">
        Both pruning families: Dice against what the device gets
      </h3>
      <div className="sweep-family__controls">
        {runs.length > 1 && (
          <label>
            Run
            <select value={runId} onChange={(e) => onRun(e.target.value)}>
              {runs.map((r) => (
                <option key={r.runId} value={r.runId}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <fieldset className="sweep-family__axis">
          <legend>X axis</legend>
          {FAMILY_AXES.map((a) => (
            <label key={a}>
              <input type="radio" name="family-axis" value={a} checked={input.axis === a} onChange={() => onAxis(a)} />
              {FAMILY_AXIS_SPECS[a].choice}
            </label>
          ))}
        </fieldset>
      </div>
      {data.points > 0 ? (
        <figure className="sweep-chart" aria-label={data.options.title}>
          <div
            ref={box}
            className="sweep-chart__plot"
            data-testid="family-chart"
            data-axis={input.axis}
            data-series={data.series.filter((s) => s.points.length > 0).length}
            data-points={data.points}
            tabIndex={0}
            role="group"
            aria-label="Dice of both pruning families: hover a marker, or use the left and right arrow keys, to read what it is"
            onPointerMove={onMove}
            onPointerLeave={() => setAt(undefined)}
            onKeyDown={onKey}
            onBlur={() => setAt(undefined)}
          >
            <div className="sweep-chart__svg" dangerouslySetInnerHTML={{ __html: svg }} />
            {marker && (
              <div
                className={`sweep-chart__tip sweep-family__tip${marker.x / frame.width > 0.45 ? ' sweep-chart__tip--left' : ''}`}
                style={{ left: `${(marker.x / frame.width) * 100}%`, top: `${(marker.y / frame.height) * 100}%` }}
                role="status"
                data-testid="family-tip"
              >
                <span className="sweep-legend__swatch" style={{ background: marker.color }} aria-hidden="true" /> {marker.text}
              </div>
            )}
          </div>
        </figure>
      ) : (
        <p className="sweep-family__empty" data-testid="family-empty">
          Nothing to draw against {FAMILY_AXIS_SPECS[input.axis].noun} for this run yet.
        </p>
      )}
      {data.notes.length > 0 && (
        <ul className="sweep-family__notes" data-testid="family-notes">
          {data.notes.map((n) => (
            <li key={n.family + n.text}>{n.text}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
