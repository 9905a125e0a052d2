/**
 * Paired comparisons with intervals: is a method with VAR better than the same method without it?
 *
 * Runs are paired by seed (same data, split, initialisation and order; only VAR differs). For
 * each seed the difference d = (with VAR) - (without) of the headline, mean per-case Dice. With
 * two or more seeds the interval is Student's t over the seeds: mean(d) ± t(0.975, n-1) · sd(d)/√n.
 * With one seed there is no spread over seeds; the interval is then a paired bootstrap over the
 * patients (cases) of that seed: resample cases with replacement, 95 % percentile interval of the
 * mean per-case difference. It says how much the patients move the number, not the seed; the
 * record names which interval it is.
 *
 * The verdict words come only from the interval: "higher" when it lies above 0, "lower" when it
 * lies below 0, else "no clear difference".
 */
import jstatPkg from 'jstat';
import { createRng } from '../rng';

const { jStat } = jstatPkg;

export type Verdict = 'higher' | 'no clear difference' | 'lower';
export type IntervalMethod = 't-over-seeds' | 'patient-bootstrap';

export interface Interval {
  n: number;
  mean: number;
  lo: number;
  hi: number;
  method: IntervalMethod;
}

export function verdictOf(ci: { lo: number; hi: number }): Verdict {
  return ci.lo > 0 ? 'higher' : ci.hi < 0 ? 'lower' : 'no clear difference';
}

/** 95 % Student t interval of the mean of paired differences (n >= 2). */
export function tInterval(diffs: number[], level = 0.95): Interval {
  const n = diffs.length;
  if (n < 2) throw new Error('tInterval needs at least two differences');
  const mean = diffs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1));
  const half = jStat.studentt.inv(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, lo: mean - half, hi: mean + half, method: 't-over-seeds' };
}

export const BOOTSTRAP_RESAMPLES = 4000;

/**
 * Paired percentile bootstrap of the mean difference withVar - without over cases: index i is the same
 * case scored under two methods. Seeded, so the same inputs give the same interval.
 */
export function bootstrapInterval(
  without: number[],
  withVar: number[],
  level = 0.95,
  resamples = BOOTSTRAP_RESAMPLES,
  seed = 12345,
): Interval {
  if (without.length !== withVar.length || without.length === 0)
    throw new Error('bootstrapInterval needs two equal, non-empty lists of paired values');
  const d = without.map((x, i) => withVar[i] - x);
  const n = d.length;
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const rng = createRng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return { n, mean, lo: at((1 - level) / 2), hi: at(1 - (1 - level) / 2), method: 'patient-bootstrap' };
}
