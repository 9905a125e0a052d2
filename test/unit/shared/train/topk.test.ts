import { describe, expect, it } from 'vitest';
import { globalMagnitudeThreshold, zeroBelowThreshold } from '../../../../src/shared/train/topk';
import { createRng } from '../../../../src/shared/rng';

function sortedThreshold(arrays: Float32Array[], sparsity: number): number {
  const all = arrays.flatMap((a) => Array.from(a, Math.abs)).sort((p, q) => p - q);
  const k = Math.round(sparsity * all.length);
  return k === 0 ? -Infinity : all[k - 1];
}

describe('globalMagnitudeThreshold', () => {
  it('is the exact k-th smallest |w| across arrays (vs a full sort)', () => {
    const rng = createRng(3);
    const arrays = [200, 1, 3000, 57].map((n, j) => Float32Array.from({ length: n }, () => rng.normal() * 10 ** -j));
    arrays[2][5] = 0;
    arrays[2][6] = -0;
    arrays[0][1] = 1e-30; // subnormal-ish scales still order correctly
    for (const s of [0, 0.001, 0.1, 0.5, 0.9, 0.95, 0.999, 1]) {
      expect(globalMagnitudeThreshold(arrays, s)).toBe(sortedThreshold(arrays, s));
    }
  });

  it('zeroing at the threshold reaches the sparsity (no ties) and leaves inputs untouched', () => {
    const a = Float32Array.from([0.5, -0.1, 0.3, -0.7, 0.2, 0.05, -0.9, 0.4, 0.6, -0.8]);
    const copy = Float32Array.from(a);
    const t = globalMagnitudeThreshold([a], 0.3);
    expect(t).toBe(Math.fround(0.2));
    expect(a).toEqual(copy);
    const z = Float32Array.from(a);
    expect(zeroBelowThreshold(z, t)).toBe(3);
    expect(Array.from(z)).toEqual(Array.from(a, (v) => (Math.abs(v) <= t ? 0 : v)));
    expect(zeroBelowThreshold(Float32Array.from(a), globalMagnitudeThreshold([a], 0))).toBe(0);
  });

  it('handles subarray views and rejects bad sparsities', () => {
    const buf = Float32Array.from([9, 1, -2, 3, 9]);
    expect(globalMagnitudeThreshold([buf.subarray(1, 4)], 2 / 3)).toBe(2);
    expect(() => globalMagnitudeThreshold([buf], 1.5)).toThrow(/outside/);
    expect(() => globalMagnitudeThreshold([buf], NaN)).toThrow(/outside/);
  });

  it('is fast on millions of weights', () => {
    const rng = createRng(1);
    const big = Float32Array.from({ length: 2_000_000 }, () => rng.normal());
    const t0 = performance.now();
    const t = globalMagnitudeThreshold([big], 0.9);
    const ms = performance.now() - t0;
    let below = 0;
    for (const v of big) if (Math.abs(v) <= t) below++;
    expect(below).toBe(1_800_000);
    expect(ms).toBeLessThan(2000); // ~2 linear passes; generous for a shared CI core
  });
});
