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
 * The verdict words come from the interval: "higher" when it lies above 0, "lower" when it lies
 * below 0, else "no clear difference" — except that a bootstrap over fewer than
 * MIN_BOOTSTRAP_CASES cases gives "too few cases to judge" (see minBootstrapCases), and that a
 * comparison whose paired values are all exactly 0 on both sides gives "both fail" (see
 * verdictOf): there the interval is 0 to 0, true but no statement about VAR. The t interval needs
 * two seeds, which tInterval already demands.
 */
import jstatPkg from 'jstat';
import { createRng } from '../rng';

const { jStat } = jstatPkg;

/** THE verdict words: the results schema, the report and the CLI take them from here. */
export const VERDICTS = ['higher', 'no clear difference', 'lower', 'too few cases to judge', 'both fail'] as const;
export type Verdict = (typeof VERDICTS)[number];
export type IntervalMethod = 't-over-seeds' | 'patient-bootstrap';

export interface Interval {
  n: number;
  mean: number;
  lo: number;
  hi: number;
  method: IntervalMethod;
}

/**
 * Distinct bootstrap resamples of n cases: multisets of size n from n items, C(2n-1, n)
 * (1, 3, 10, 35, 126 for n = 1..5). Distinct resample means can only be fewer (ties).
 */
export function distinctResamples(n: number): number {
  let c = 1;
  for (let k = 1; k <= n; k++) c = (c * (n - 1 + k)) / k; // C(2n-1, n) = prod (n-1+k)/k
  return Math.round(c);
}

/**
 * Fewest cases for which a percentile bootstrap interval at `level` can mean anything. Each tail
 * holds (1 - level)/2 of the resamples; for a tail to hold even one distinct resample mean while the
 * interval's end sits at another, there must be at least 2/(1 - level) distinct means (40 at 95 %)
 * — even if all were equally likely, and the extreme ones (every draw the same case, n^-n) are the
 * rarest. Below that the interval is zero-width (1 case), the whole range, or set by a handful of
 * single resamples: 95 % -> 5 cases (4 give only 35).
 */
export function minBootstrapCases(level = 0.95): number {
  const needed = 2 / (1 - level);
  let n = 1;
  while (distinctResamples(n) < needed - 1e-9) n++;
  return n;
}

export const MIN_BOOTSTRAP_CASES = minBootstrapCases(0.95);

/** One pair of the comparison: the headline (mean per-case Dice) of the run without VAR and with it. */
export interface PairedValues {
  without: number;
  with: number;
}

/**
 * The verdict of a comparison from its 95 % interval and the pairs it was computed from (the one
 * rule; see the file comment).
 *
 * "both fail" when every pair scores exactly 0 on both sides. A case's Dice 2TP / (2TP + FP + FN)
 * is 0 exactly when no predicted pixel lies on its lesion (the network predicts nothing, or only
 * outside the lesion), and a mean of Dice values, which are never negative, is 0 only when every
 * one is: so a pair's 0 means each network missed every lesion it was scored on, and for a
 * one-seed bootstrap the seed's 0 means every resampled case is 0 on both sides. Exact 0, not a
 * threshold: a single overlapping pixel already gives at least 2 / (2TP + FP + FN), far above
 * rounding, and any cut-off above 0 would be a number without a basis that relabels a small but
 * measured score, which the interval reports, as failure. It comes before "too few cases to
 * judge": it is what every scored case shows, not an inference from the interval, so it holds
 * however few cases there are.
 */
export function verdictOf(ci: Pick<Interval, 'n' | 'lo' | 'hi' | 'method'>, pairs: readonly PairedValues[]): Verdict {
  if (pairs.length > 0 && pairs.every((p) => p.without === 0 && p.with === 0)) return 'both fail';
  if (ci.method === 'patient-bootstrap' && ci.n < MIN_BOOTSTRAP_CASES) return 'too few cases to judge';
  return ci.lo > 0 ? 'higher' : ci.hi < 0 ? 'lower' : 'no clear difference';
}

/** Whether a verdict says the two differ (a direction), rather than no difference or no judgement. */
export function verdictDiffers(v: Verdict | null): boolean {
  return v === 'higher' || v === 'lower';
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
