/**
 * The interval of a mean: what the Dice-versus-sparsity charts (app and report) and the report's
 * Dice table draw around each point. One rule, Student's t:
 *   mean ± t(0.975, n − 1) · s / √n     (s = sample standard deviation, n − 1 in the denominator)
 * over the values the mean is taken of: the seeds' mean per-case Dice when a group has two or
 * more seeds, else the one run's per-case Dice over the lesion cases. Clipped to `bounds` (Dice
 * lives in [0, 1]). Undefined with fewer than two values: no interval is drawn, none is invented.
 */
import jstatPkg from 'jstat';

const { jStat } = jstatPkg;

/** What the values of the mean are: seeds (replicate runs) or cases (patients of one run). */
export type MeanOver = 'seeds' | 'cases';

export interface MeanInterval {
  n: number;
  mean: number;
  lo: number;
  hi: number;
  over: MeanOver;
}

export interface MeanIntervalOptions {
  /** Confidence level, default 0.95. */
  level?: number;
  /** Clip the interval to this range, e.g. [0, 1] for Dice. */
  bounds?: [number, number];
}

/** The interval from a summary (n, mean, sample std) — the same numbers `meanInterval` computes from values. */
export function meanIntervalOf(
  s: { n: number; mean: number | null; std: number | null },
  over: MeanOver,
  opts: MeanIntervalOptions = {},
): MeanInterval | undefined {
  if (s.mean === null || s.std === null || !(s.n >= 2) || !Number.isFinite(s.mean) || !Number.isFinite(s.std)) return undefined;
  const level = opts.level ?? 0.95;
  const half = jStat.studentt.inv(1 - (1 - level) / 2, s.n - 1) * (s.std / Math.sqrt(s.n));
  const [min, max] = opts.bounds ?? [-Infinity, Infinity];
  return { n: s.n, mean: s.mean, lo: Math.max(min, s.mean - half), hi: Math.min(max, s.mean + half), over };
}

/** The interval of the mean of `values` (non-finite values are not allowed: leave them out first). */
export function meanInterval(values: readonly number[], over: MeanOver, opts: MeanIntervalOptions = {}): MeanInterval | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return meanIntervalOf({ n, mean, std }, over, opts);
}

/** How charts and tables name the interval: "95 % CI over seeds". */
export function meanIntervalLabel(over: MeanOver | readonly MeanOver[], level = 0.95): string {
  const kinds = [...new Set(typeof over === 'string' ? [over] : over)].sort((a, b) => (a === 'seeds' ? -1 : b === 'seeds' ? 1 : 0));
  const pct = `${Math.round(level * 100)} % CI`;
  if (kinds.length === 0) return pct;
  if (kinds.length === 1) return `${pct} over ${kinds[0]}`;
  return `${pct} over seeds (over cases where one seed is left)`;
}
