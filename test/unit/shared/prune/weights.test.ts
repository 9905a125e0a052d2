import { describe, expect, it } from 'vitest';
import { pruneWeights } from '../../../../src/shared/prune';
import type { NamedWeight } from '../../../../src/shared/prune';

const w = (name: string, values: number[], shape: number[]): NamedWeight => ({ name, values: Float32Array.from(values), shape });

function sample(): NamedWeight[] {
  return [
    w('stem/kernel', [0.5, -0.1, 0.2, -0.9], [1, 1, 2, 2]),
    w('stem_bn/gamma', [1, 1], [2]),
    w('mid/kernel', [0.3, -0.05, 0.7, 0.01, -0.4, 0.6], [1, 1, 2, 3]),
    w('head/kernel', [0.02, -0.8, 0.15], [1, 1, 3, 1]),
    w('head/bias', [0.001], [1]),
  ];
}

describe('pruneWeights', () => {
  it('global: zeroes exactly round(s*N) smallest magnitudes and leaves the inputs untouched', () => {
    const input = sample();
    const before = input.map((x) => Array.from(x.values));
    const { weights, report } = pruneWeights(input, { sparsity: 0.5, scope: 'global' });
    // 13 prunable values, round(6.5) = 7 zeros: |w| in {0.01,0.02,0.05,0.1,0.15,0.2,0.3}.
    expect(Array.from(weights[0].values)).toEqual([0.5, 0, 0, -0.9].map(Math.fround));
    expect(Array.from(weights[2].values)).toEqual([0, 0, 0.7, 0, -0.4, 0.6].map(Math.fround));
    expect(Array.from(weights[3].values)).toEqual([0, -0.8, 0].map(Math.fround));
    expect(report.perLayer.map((r) => [r.name, r.total, r.zeros])).toEqual([
      ['stem/kernel', 4, 2],
      ['mid/kernel', 6, 3],
      ['head/kernel', 3, 2],
    ]);
    expect(report.achieved).toBeCloseTo(7 / 13, 12);
    expect(report.threshold).toBeCloseTo(0.3, 6);
    // rank-1 tensors are copied, never pruned
    expect(Array.from(weights[4].values)).toEqual([Math.fround(0.001)]);
    expect(weights[4].values).not.toBe(input[4].values);
    expect(input.map((x) => Array.from(x.values))).toEqual(before);
  });

  it('ties at the threshold are rationed so the count is exact', () => {
    const input = [w('a/kernel', [1, 1, 1, 1, 1, 1], [2, 3]), w('b/kernel', [-1, 1, 1, 2], [2, 2])];
    const { weights, report } = pruneWeights(input, { sparsity: 0.4, scope: 'global' });
    // round(0.4 * 10) = 4 zeros out of nine tied magnitudes; earliest positions go first.
    expect(Array.from(weights[0].values)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(Array.from(weights[1].values)).toEqual([-1, 1, 1, 2]);
    expect(report.achieved).toBe(0.4);
    for (const s of [0, 0.1, 0.33, 0.5, 0.9, 0.95, 1]) {
      const r = pruneWeights(input, { sparsity: s, scope: 'global' }).report;
      expect(r.perLayer.reduce((a, x) => a + x.zeros, 0)).toBe(Math.round(s * 10));
    }
  });

  it('exact on a large random set with many duplicates', () => {
    const rnd = mulberry(7);
    const a = Float32Array.from({ length: 10007 }, () => Math.round((rnd() - 0.5) * 200) / 100);
    const b = Float32Array.from({ length: 3001 }, () => (rnd() - 0.5) * 3);
    const input = [
      { name: 'a', values: a, shape: [10007, 1] },
      { name: 'b', values: b, shape: [3001, 1] },
    ];
    for (const s of [0.5, 0.9, 0.98]) {
      const { weights, report } = pruneWeights(input, { sparsity: s, scope: 'global' });
      const zeros = weights.reduce((n, x) => n + x.values.filter((v) => v === 0).length, 0);
      const initialZeros = a.filter((v) => v === 0).length;
      expect(zeros).toBe(Math.max(Math.round(s * 13008), initialZeros));
      // Survivors are never smaller than pruned ones.
      const kept = weights.flatMap((x) =>
        Array.from(x.values)
          .filter((v) => v !== 0)
          .map(Math.abs),
      );
      expect(Math.min(...kept)).toBeGreaterThanOrEqual(report.threshold!);
    }
  });

  it('layer-wise: the same fraction in each layer', () => {
    const { report } = pruneWeights(sample(), { sparsity: 0.5, scope: 'layerwise' });
    expect(report.perLayer.map((r) => r.zeros)).toEqual([2, 3, 2]); // round(2), round(3), round(1.5)=2
    expect(report.threshold).toBeUndefined();
  });

  it('keepFirstLast leaves stem and head dense and prunes the rest to the requested fraction', () => {
    const { weights, report } = pruneWeights(sample(), { sparsity: 0.5, scope: 'global', keepFirstLast: true });
    expect(Array.from(weights[0].values)).toEqual(Array.from(sample()[0].values));
    expect(Array.from(weights[3].values)).toEqual(Array.from(sample()[3].values));
    expect(report.perLayer.map((r) => r.pruned)).toEqual([false, true, false]);
    expect(report.perLayer[1].zeros).toBe(3);
    expect(report.achieved).toBe(0.5);
    expect(report.overall).toBeCloseTo(3 / 13, 12);
  });

  it('rejects bad sparsity and shape mismatches', () => {
    expect(() => pruneWeights(sample(), { sparsity: 1.5, scope: 'global' })).toThrow(/outside/);
    expect(() => pruneWeights([w('x', [1, 2, 3], [2, 2])], { sparsity: 0.5, scope: 'global' })).toThrow(/shape/);
  });
});

function mulberry(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
