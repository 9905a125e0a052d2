import { describe, expect, it } from 'vitest';
import { aggregate, caseMetrics, confusionOverlay, hd95, summarize } from '../../src/shared/metrics';

/** Mask of h x w with the listed [row, col] pixels set. */
function mask(h: number, w: number, px: [number, number][]): Uint8Array {
  const m = new Uint8Array(h * w);
  for (const [r, c] of px) m[r * w + c] = 1;
  return m;
}
function rect(h: number, w: number, r0: number, r1: number, c0: number, c1: number): Uint8Array {
  const px: [number, number][] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) px.push([r, c]);
  return mask(h, w, px);
}

describe('caseMetrics: overlap', () => {
  it('Dice and IoU of overlapping rectangles', () => {
    const truth = rect(6, 6, 1, 2, 1, 3); // 6 px
    const pred = rect(6, 6, 1, 2, 2, 4); // 6 px, 4 shared
    const m = caseMetrics(pred, truth, [6, 6]);
    expect(m.dice).toBeCloseTo((2 * 4) / 12, 12);
    expect(m.iou).toBeCloseTo(4 / 8, 12);
    expect(m.truePixels).toBe(6);
    expect(m.fpPixels).toBe(2);
    expect(m.unit).toBe('px');
  });

  it('empty truth and empty prediction: Dice 1, IoU 1, HD95 0', () => {
    const z = new Uint8Array(12);
    expect(caseMetrics(z, z, [3, 4])).toMatchObject({ dice: 1, iou: 1, hd95: 0, emptyTruth: true, fpPixels: 0 });
  });

  it('empty truth, non-empty prediction: Dice 0, HD95 null, false-positive area reported', () => {
    const pred = mask(3, 4, [[0, 0], [1, 1], [2, 3]]);
    const m = caseMetrics(pred, new Uint8Array(12), [3, 4], [0.5, 0.8]);
    expect(m).toMatchObject({ dice: 0, iou: 0, hd95: null, emptyTruth: true, fpPixels: 3, unit: 'mm' });
    expect(m.fpArea).toBeCloseTo(3 * 0.4, 12);
  });

  it('non-empty truth, empty prediction: Dice 0, HD95 null', () => {
    const m = caseMetrics(new Uint8Array(12), mask(3, 4, [[1, 2]]), [3, 4]);
    expect(m).toMatchObject({ dice: 0, iou: 0, hd95: null, emptyTruth: false, fpPixels: 0 });
  });

  it('one-pixel masks', () => {
    const a = mask(5, 6, [[0, 0]]);
    const b = mask(5, 6, [[3, 4]]);
    expect(caseMetrics(a, a, [5, 6])).toMatchObject({ dice: 1, iou: 1, hd95: 0 });
    expect(caseMetrics(a, b, [5, 6])).toMatchObject({ dice: 0, iou: 0, hd95: 5 });
    expect(caseMetrics(a, b, [5, 6], [2, 1]).hd95).toBeCloseTo(Math.sqrt(36 + 16), 12);
  });

  it('rejects size mismatches and bad spacing', () => {
    expect(() => caseMetrics(new Uint8Array(4), new Uint8Array(5), [2, 2])).toThrow(/pixels/);
    expect(() => caseMetrics(new Uint8Array(4), new Uint8Array(4), [2, 3])).toThrow(/dims/);
    expect(() => caseMetrics(new Uint8Array(4), new Uint8Array(4), [2, 2], [1])).toThrow(/Spacing/);
  });
});

describe('HD95', () => {
  it('a 4x4 square shifted by 2 columns has HD95 2 px (1 mm at 0.5 mm columns)', () => {
    const truth = rect(10, 10, 2, 5, 2, 5);
    const pred = rect(10, 10, 2, 5, 4, 7);
    expect(hd95(pred, truth, [10, 10])).toBeCloseTo(2, 12);
    expect(hd95(pred, truth, [10, 10], [1, 0.5])).toBeCloseTo(1, 12);
  });

  it('matches a brute-force reference on random blobs with anisotropic spacing', () => {
    let s = 11;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 5; trial++) {
      const h = 17;
      const w = 23;
      const a = new Uint8Array(h * w).map(() => (rnd() < 0.3 ? 1 : 0));
      const b = new Uint8Array(h * w).map(() => (rnd() < 0.2 ? 1 : 0));
      const sp = [0.7, 1.3];
      expect(hd95(a, b, [h, w], sp)).toBeCloseTo(bruteHd95(a, b, h, w, sp), 9);
    }
  });

  it('works on 3-D volumes', () => {
    const a = new Uint8Array(60);
    const b = new Uint8Array(60);
    a[0] = 1;
    b[2 * 20 + 3 * 5 + 4] = 1;
    expect(caseMetrics(a, b, [3, 4, 5], [3, 1, 1]).hd95).toBeCloseTo(Math.sqrt(36 + 9 + 16), 12);
  });
});

describe('aggregate', () => {
  it('mean, sample std and median; null HD95 is counted apart', () => {
    const cases = [
      caseMetrics(new Uint8Array(4), new Uint8Array(4), [2, 2]), // empty/empty: 1, hd 0
      caseMetrics(Uint8Array.from([1, 0, 0, 0]), new Uint8Array(4), [2, 2]), // FP on empty truth
      caseMetrics(Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([1, 0, 0, 0]), [2, 2]), // dice 2/3
    ];
    const agg = aggregate(cases);
    expect(agg.cases).toBe(3);
    expect(agg.dice.mean).toBeCloseTo((1 + 0 + 2 / 3) / 3, 12);
    expect(agg.dice.median).toBeCloseTo(2 / 3, 12);
    expect(agg.hd95.n).toBe(2);
    expect(agg.hd95Missing).toBe(1);
    expect(agg.emptyTruthCases).toBe(2);
    expect(agg.emptyTruthWithFalsePositive).toBe(1);
    expect(agg.emptyTruthFpPixels).toBe(1);
    expect(summarize([1, 2, 3, 4])).toEqual({ n: 4, mean: 2.5, std: Math.sqrt(5 / 3), median: 2.5 });
    expect(summarize([])).toEqual({ n: 0, mean: null, std: null, median: null });
  });
});

describe('confusionOverlay', () => {
  it('codes TN 0, TP 1, FP 2, FN 3', () => {
    expect(Array.from(confusionOverlay(Uint8Array.from([0, 1, 1, 0]), Uint8Array.from([0, 1, 0, 255])))).toEqual([0, 1, 2, 3]);
  });
});

/** O(n^2) reference: pooled symmetric boundary distances, numpy-style 95th percentile. */
function bruteHd95(a: Uint8Array, b: Uint8Array, h: number, w: number, sp: number[]): number {
  const edge = (m: Uint8Array) => {
    const out: [number, number][] = [];
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        if (!m[r * w + c]) continue;
        const n = [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]];
        if (n.some(([y, x]) => y < 0 || x < 0 || y >= h || x >= w || !m[y * w + x])) out.push([r, c]);
      }
    return out;
  };
  const ea = edge(a);
  const eb = edge(b);
  const near = (p: [number, number], set: [number, number][]) => Math.min(...set.map((q) => Math.hypot((p[0] - q[0]) * sp[0], (p[1] - q[1]) * sp[1])));
  const d = [...ea.map((p) => near(p, eb)), ...eb.map((p) => near(p, ea))].sort((x, y) => x - y);
  const pos = 0.95 * (d.length - 1);
  const lo = Math.floor(pos);
  return d[lo] + (d[Math.min(lo + 1, d.length - 1)] - d[lo]) * (pos - lo);
}
