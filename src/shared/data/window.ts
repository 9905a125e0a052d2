import type { DisplayWindow } from './types.js';

/**
 * Nearest-rank values at percentiles ps (0..100) of the finite values, on a subsample of large
 * arrays so it stays cheap: for display windows and intensity clipping. Metrics need the exact,
 * interpolated `percentile` of src/shared/metrics/surface.ts instead.
 */
export function approxPercentiles(values: ArrayLike<number>, ps: number[]): number[] {
  const step = Math.max(1, Math.floor(values.length / 200_000));
  const buf: number[] = [];
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if (Number.isFinite(v)) buf.push(v);
  }
  if (buf.length === 0) return ps.map(() => 0);
  const sorted = Float64Array.from(buf).sort();
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))]);
}

/** A sane window when the file has none (or width <= 0): 1st..99th percentile of the pixels. */
export function autoWindow(values: ArrayLike<number>): DisplayWindow {
  const [lo, hi] = approxPercentiles(values, [1, 99]);
  const width = Math.max(hi - lo, 1);
  return { center: (lo + hi) / 2, width, auto: true };
}

export function chooseWindow(center: number | undefined, width: number | undefined, values: ArrayLike<number>): DisplayWindow {
  if (center !== undefined && width !== undefined && Number.isFinite(center) && Number.isFinite(width) && width > 0)
    return { center, width, auto: false };
  return autoWindow(values);
}
