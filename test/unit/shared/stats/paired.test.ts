import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval,
  distinctResamples,
  meanInterval,
  meanIntervalLabel,
  meanIntervalOf,
  MIN_BOOTSTRAP_CASES,
  minBootstrapCases,
  tInterval,
  verdictOf,
} from '../../../../src/shared/stats';

/** Pairs whose networks score above 0: the verdict is the interval's. */
const scored = [{ without: 0.5, with: 0.6 }];

describe('paired statistics', () => {
  it('t interval over seeds on known inputs', () => {
    // d = 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t(0.975, 2) = 4.302653 -> half width 0.248412.
    const ci = tInterval([0.1, 0.2, 0.3]);
    expect(ci.mean).toBeCloseTo(0.2, 12);
    expect(ci.hi - ci.mean).toBeCloseTo((4.302653 * 0.1) / Math.sqrt(3), 5);
    expect(ci.lo).toBeCloseTo(0.2 - 0.248412, 5);
    expect(ci.method).toBe('t-over-seeds');
    expect(verdictOf(ci, scored)).toBe('no clear difference');
    // Five seeds all clearly positive: t(0.975, 4) = 2.776445.
    const five = tInterval([0.12, 0.1, 0.14, 0.11, 0.13]);
    expect(five.hi - five.mean).toBeCloseTo((2.776445 * Math.sqrt(0.00025)) / Math.sqrt(5), 5);
    expect(verdictOf(five, scored)).toBe('higher');
    expect(verdictOf(tInterval([-0.3, -0.2, -0.25]), scored)).toBe('lower');
    expect(() => tInterval([0.1])).toThrow();
  });

  it('while the networks score, the verdict words come only from the interval', () => {
    const t = { n: 3, mean: 0, method: 't-over-seeds' } as const;
    expect(verdictOf({ ...t, lo: 0.001, hi: 0.5 }, scored)).toBe('higher');
    expect(verdictOf({ ...t, lo: 0, hi: 0.5 }, scored)).toBe('no clear difference');
    expect(verdictOf({ ...t, lo: -0.5, hi: -0.001 }, scored)).toBe('lower');
  });

  it('a bootstrap over too few cases gives no verdict: C(2n-1, n) distinct resamples cannot hold 2.5 % tails', () => {
    expect([1, 2, 3, 4, 5].map(distinctResamples)).toEqual([1, 3, 10, 35, 126]);
    // 1 / 0.025 = 40 distinct resample means are needed; 4 cases give 35, 5 give 126.
    expect(minBootstrapCases(0.95)).toBe(5);
    expect(MIN_BOOTSTRAP_CASES).toBe(5);
    // A 90 % interval needs 1 / 0.05 = 20: 4 cases (35) suffice, 3 (10) do not.
    expect(minBootstrapCases(0.9)).toBe(4);
    // One case: the zero-width interval of the lead's two-cells run; still computed and shown, no verdict.
    const one = bootstrapInterval([0.61], [0.4]);
    expect(one).toMatchObject({ n: 1, method: 'patient-bootstrap' });
    expect(one.lo).toBeCloseTo(-0.21, 12);
    expect(one.hi).toBeCloseTo(-0.21, 12);
    expect(verdictOf(one, scored)).toBe('too few cases to judge');
    const plain = [0.5, 0.6, 0.7, 0.2, 0.4];
    const up = plain.map((x) => x + 0.1);
    expect(verdictOf(bootstrapInterval(plain.slice(0, 4), up.slice(0, 4)), scored)).toBe('too few cases to judge');
    expect(verdictOf(bootstrapInterval(plain, up), scored)).toBe('higher');
    // The case rule is the bootstrap's only: two seeds are enough for the t interval.
    expect(verdictOf(tInterval([0.1, 0.101]), scored)).toBe('higher');
  });

  it('"both fail" when every pair is exactly 0 on both sides, whatever the interval and the case count', () => {
    const diffs = (pairs: { without: number; with: number }[]) => pairs.map((p) => p.with - p.without);
    const zeros = [1, 2, 3].map(() => ({ without: 0, with: 0 }));
    const t = tInterval(diffs(zeros));
    expect([t.mean, t.lo, t.hi]).toEqual([0, 0, 0]);
    expect(verdictOf(t, zeros)).toBe('both fail');
    // One seed, one case: too few cases for the interval, but that case shows both networks fail.
    expect(verdictOf(bootstrapInterval([0], [0]), zeros.slice(0, 1))).toBe('both fail');
    // One side 0, the other not: the interval's verdict, as usual.
    const up = [0.3, 0.2, 0.25].map((x) => ({ without: 0, with: x }));
    expect(verdictOf(tInterval(diffs(up)), up)).toBe('higher');
    const down = up.map((p) => ({ without: p.with, with: 0 }));
    expect(verdictOf(tInterval(diffs(down)), down)).toBe('lower');
    // One pair of three scores above 0 on one side: not every pair fails.
    const one = [
      { without: 0, with: 0 },
      { without: 0, with: 0 },
      { without: 0, with: 0.001 },
    ];
    expect(verdictOf(tInterval(diffs(one)), one)).toBe('no clear difference');
    // Exact 0, no threshold: both scoring the same tiny Dice is a measured tie, not a failure.
    const tiny = [1, 2, 3].map(() => ({ without: 1e-4, with: 1e-4 }));
    expect(verdictOf(tInterval(diffs(tiny)), tiny)).toBe('no clear difference');
  });

  it('patient-level paired bootstrap: exact when every case moves the same, seeded, covers the mean', () => {
    const plain = [0.5, 0.6, 0.7, 0.2, 0.4];
    const same = bootstrapInterval(
      plain,
      plain.map((x) => x + 0.1),
    );
    expect(same.mean).toBeCloseTo(0.1, 12);
    expect(same.lo).toBeCloseTo(0.1, 12);
    expect(same.hi).toBeCloseTo(0.1, 12);
    expect(same.method).toBe('patient-bootstrap');
    expect(verdictOf(same, scored)).toBe('higher');

    const withVar = [0.9, 0.1, 0.8, 0.3, 0.4]; // differences +0.4, -0.5, +0.1, +0.1, 0
    const a = bootstrapInterval(plain, withVar);
    expect(a).toEqual(bootstrapInterval(plain, withVar));
    expect(a.mean).toBeCloseTo(0.02, 12);
    expect(a.lo).toBeLessThan(a.mean);
    expect(a.hi).toBeGreaterThan(a.mean);
    // The interval of a mean of 5 resampled differences lies within [min, max] of the differences.
    expect(a.lo).toBeGreaterThanOrEqual(-0.5 - 1e-12);
    expect(a.hi).toBeLessThanOrEqual(0.4 + 1e-12);
    expect(verdictOf(a, scored)).toBe('no clear difference');
    expect(() => bootstrapInterval([1], [])).toThrow();
  });
});

describe('interval of a mean (what the Dice charts draw)', () => {
  it('Student t on known inputs, from values or from a summary, clipped to bounds, none under two values', () => {
    // 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t(0.975, 2) = 4.302653.
    const ci = meanInterval([0.1, 0.2, 0.3], 'seeds')!;
    expect(ci).toMatchObject({ n: 3, over: 'seeds' });
    expect(ci.mean).toBeCloseTo(0.2, 12);
    expect(ci.lo).toBeCloseTo(0.2 - 0.248412, 5);
    expect(ci.hi).toBeCloseTo(0.2 + 0.248412, 5);
    const fromSummary = meanIntervalOf({ n: 3, mean: 0.2, std: 0.1 }, 'seeds')!;
    expect(fromSummary.lo).toBeCloseTo(ci.lo, 12);
    expect(fromSummary.hi).toBeCloseTo(ci.hi, 12);
    // n = 11, sd 0.1: t(0.975, 10) = 2.228139.
    expect(meanIntervalOf({ n: 11, mean: 0.5, std: 0.1 }, 'cases')!.hi - 0.5).toBeCloseTo((2.228139 * 0.1) / Math.sqrt(11), 6);
    expect(meanInterval([0.1, 0.2, 0.3], 'seeds', { bounds: [0.05, 0.3] })).toMatchObject({ lo: 0.05, hi: 0.3 });
    expect(meanInterval([0.5], 'cases')).toBeUndefined();
    expect(meanIntervalOf({ n: 5, mean: null, std: null }, 'cases')).toBeUndefined();
    // The same interval as the paired t interval of the same numbers.
    expect(ci.hi).toBeCloseTo(tInterval([0.1, 0.2, 0.3]).hi, 12);
  });

  it('names what it is over', () => {
    expect(meanIntervalLabel('seeds')).toBe('95 % CI over seeds');
    expect(meanIntervalLabel(['cases', 'cases'])).toBe('95 % CI over cases');
    expect(meanIntervalLabel(['cases', 'seeds'])).toBe('95 % CI over seeds (over cases where one seed is left)');
  });
});
