/**
 * Inline SVG charts as strings: no script, no external asset, readable offline and printable.
 * Only what the report and the app's Sweep view need: lines with optional bands, on linear axes.
 * Both draw their charts with this one function, so a chart looks the same in both; the app adds
 * its hover read-out on top using `chartFrame` (the same geometry).
 */

export interface Point {
  x: number;
  y: number;
  /** Band around y (e.g. mean ± std); drawn when both are given. */
  lo?: number;
  hi?: number;
  /** Shown when the pointer rests on the marker (an SVG <title>: works in the report without script). */
  title?: string;
  /**
   * A short tag written beside the marker (e.g. its sweep level where x is not the level): above or
   * below it, wherever it covers no other tag and stays inside the plot; left out when neither
   * place is free (the marker's title still says it).
   */
  tag?: string;
}

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: Point[];
  /** Draw markers at the points (sparse data such as sweep levels). */
  markers?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  x: [number, number];
  y: [number, number];
  width?: number;
  height?: number;
  xTicks?: number[];
  yTicks?: number[];
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Vertical guide lines, e.g. at the headline sparsities. */
  guides?: number[];
  /** Draw the band of each series (off: lines only). */
  bands?: boolean;
  /**
   * How intervals are drawn: `band` (default, a shaded area) or `bars` (an error bar with caps at
   * each marker: overlapping intervals of several series stay apart and readable).
   */
  intervals?: 'band' | 'bars';
  /** With `bars`: series i is shifted by (i - (count - 1) / 2) * dodge px, so bars at one x do not cover each other. */
  dodge?: number;
  /** A line above the legend naming what is plotted (metric, band), e.g. "Per-case Dice: mean, band = 95 % CI". */
  legendTitle?: string;
}

export interface ChartFrame {
  width: number;
  height: number;
  /** Plot area in SVG units. */
  left: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
  sx(v: number): number;
  sy(v: number): number;
}

/** The geometry `lineChart` uses for these options and this many series. */
export function chartFrame(o: ChartOptions, seriesCount: number): ChartFrame {
  const W = o.width ?? 640;
  // The legend sits under the plot (two series per row), so it never hides a curve.
  const legendRows = Math.ceil(seriesCount / 2) + (o.legendTitle ? 1 : 0);
  const H = (o.height ?? 360) + legendRows * 16;
  const m = { l: 56, r: 16, t: 30, b: 44 + legendRows * 16 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  return {
    width: W,
    height: H,
    left: m.l,
    top: m.t,
    plotWidth: pw,
    plotHeight: ph,
    sx: (v) => m.l + ((v - o.x[0]) / (o.x[1] - o.x[0] || 1)) * pw,
    sy: (v) => m.t + ph - ((Math.min(Math.max(v, o.y[0]), o.y[1]) - o.y[0]) / (o.y[1] - o.y[0] || 1)) * ph,
  };
}

/** The x shift (SVG units) of series `index` of `count` with `bars` intervals: their bars at one x sit side by side. */
export function seriesShift(o: ChartOptions, index: number, count: number): number {
  return o.intervals === 'bars' ? (index - (count - 1) / 2) * (o.dodge ?? 0) : 0;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = (hi - lo) / n;
  return Array.from({ length: n + 1 }, (_, i) => lo + i * step);
}

interface TagBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Where a marker's tag goes (baseline centre), or undefined when every candidate place is taken; records the place taken. */
function placeTag(placed: TagBox[], x: number, y: number, chars: number, f: ChartFrame): { x: number; y: number } | undefined {
  const half = chars * 3 + 2; // ~6 px per character at font size 10
  for (const dy of [-7, 15, -18, 26]) {
    const box = { x0: x - half, x1: x + half, y0: y + dy - 9, y1: y + dy + 2 };
    const inside = box.y0 >= f.top && box.y1 <= f.top + f.plotHeight && box.x0 >= f.left && box.x1 <= f.left + f.plotWidth;
    if (inside && !placed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) {
      placed.push(box);
      return { x, y: y + dy };
    }
  }
  return undefined;
}

export function lineChart(series: Series[], o: ChartOptions): string {
  const f = chartFrame(o, series.length);
  const { width: W, height: H, sx, sy } = f;
  const m = { l: f.left, t: f.top };
  const pw = f.plotWidth;
  const ph = f.plotHeight;
  const fx = o.xFormat ?? ((v: number) => String(Math.round(v * 100) / 100));
  const fy = o.yFormat ?? ((v: number) => String(Math.round(v * 100) / 100));
  const parts: string[] = [];
  parts.push(
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}" font-family="system-ui, sans-serif" font-size="11">`,
  );
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${esc(o.title)}</text>`);
  for (const t of o.yTicks ?? ticks(o.y[0], o.y[1])) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${r1(sy(t))}" y2="${r1(sy(t))}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${m.l - 6}" y="${r1(sy(t) + 4)}" text-anchor="end" fill="#444">${esc(fy(t))}</text>`);
  }
  for (const t of o.xTicks ?? ticks(o.x[0], o.x[1])) {
    parts.push(`<line x1="${r1(sx(t))}" x2="${r1(sx(t))}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#444"/>`);
    parts.push(`<text x="${r1(sx(t))}" y="${m.t + ph + 16}" text-anchor="middle" fill="#444">${esc(fx(t))}</text>`);
  }
  for (const g of o.guides ?? [])
    parts.push(`<line x1="${r1(sx(g))}" x2="${r1(sx(g))}" y1="${m.t}" y2="${m.t + ph}" stroke="#bbb" stroke-dasharray="2 3"/>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 32}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  const bars = o.intervals === 'bars';
  const placed: TagBox[] = [];
  series.forEach((s, si) => {
    const shift = seriesShift(o, si, series.length);
    const xAt = (v: number) => f.sx(v) + shift;
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (bars && o.bands !== false) {
      for (const p of pts) {
        if (p.lo === undefined || p.hi === undefined) continue;
        const x = r1(xAt(p.x));
        const [y0, y1] = [r1(sy(p.lo)), r1(sy(p.hi))];
        parts.push(
          `<path d="M${x} ${y0}V${y1}M${r1(x - 3)} ${y0}H${r1(x + 3)}M${r1(x - 3)} ${y1}H${r1(x + 3)}" stroke="${s.color}" stroke-width="1.2" stroke-opacity="0.8" fill="none" class="interval"/>`,
        );
      }
    }
    if (!bars && o.bands !== false) {
      const band = pts.filter((p) => p.lo !== undefined && p.hi !== undefined);
      if (band.length >= 2) {
        const upper = band.map((p) => `${r1(xAt(p.x))},${r1(sy(p.hi!))}`);
        const lower = band.map((p) => `${r1(xAt(p.x))},${r1(sy(p.lo!))}`).reverse();
        parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`);
      }
    }
    if (pts.length) {
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${r1(xAt(p.x))} ${r1(sy(p.y))}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    if (s.markers) {
      for (const p of pts) {
        const dot = `<circle cx="${r1(xAt(p.x))}" cy="${r1(sy(p.y))}" r="3" fill="${s.color}"/>`;
        // A larger transparent target carries the hover text.
        parts.push(
          p.title
            ? `<g><title>${esc(p.title)}</title><circle cx="${r1(xAt(p.x))}" cy="${r1(sy(p.y))}" r="8" fill="transparent"/>${dot}</g>`
            : dot,
        );
        const at = p.tag ? placeTag(placed, xAt(p.x), sy(p.y), p.tag.length, f) : undefined;
        if (at)
          parts.push(
            `<text x="${r1(at.x)}" y="${r1(at.y)}" text-anchor="middle" font-size="10" fill="${s.color}" class="tag">${esc(p.tag!)}</text>`,
          );
      }
    }
  });
  const legendTop = m.t + ph + 52 + (o.legendTitle ? 16 : 0);
  if (o.legendTitle) parts.push(`<text x="${m.l}" y="${m.t + ph + 52}" font-weight="600">${esc(o.legendTitle)}</text>`);
  series.forEach((s, i) => {
    const lx = m.l + (i % 2) * (pw / 2);
    const y = legendTop + Math.floor(i / 2) * 16;
    parts.push(
      `<line x1="${r1(lx)}" x2="${r1(lx + 22)}" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${r1(lx + 28)}" y="${y}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
