import { describe, expect, it } from 'vitest';
import { confusionOverlay, scoreProbabilities, scoreSegmentation, summarize, surfaceHd95 } from '../../../../src/shared/metrics';

const hd95 = (a: Uint8Array, b: Uint8Array, dims: number[], sp?: number[]) => surfaceHd95(a, b, dims, sp ?? dims.map(() => 1)).pooled;

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

const item = (caseId: string, index: number, pred: Uint8Array, truth: Uint8Array) => ({ caseId, index, pred, truth });
const z = (n: number) => new Uint8Array(n);

describe('scoreSegmentation: the one scoring policy', () => {
  it('Dice and IoU of overlapping rectangles on one slice', () => {
    const truth = rect(6, 6, 1, 2, 1, 3); // 6 px
    const pred = rect(6, 6, 1, 2, 2, 4); // 6 px, 4 shared
    const s = scoreSegmentation([item('a', 0, pred, truth)], [6, 6]);
    expect(s.perSlice[0].dice).toBeCloseTo((2 * 4) / 12, 12);
    expect(s.perSlice[0].iou).toBeCloseTo(4 / 8, 12);
    expect(s.perSlice[0].fpPixels).toBe(2);
    expect(s.perCase[0]).toMatchObject({ caseId: 'a', slices: 1, lesion: true, truePixels: 6, predPixels: 6, fpPixels: 2 });
    expect(s.summary.caseDice.mean).toBeCloseTo(8 / 12, 12);
  });

  it('per-case Dice pools the voxels of a case, then averages over cases (not over slices)', () => {
    // Case a: slice 0 big lesion found exactly (36 px), slice 1 one-pixel lesion missed.
    const big = rect(8, 8, 1, 6, 1, 6);
    const dot = mask(8, 8, [[3, 3]]);
    // Case b: lesion of 4 px, prediction covers 2 of them.
    const tb = rect(8, 8, 0, 1, 0, 1);
    const pb = mask(8, 8, [
      [0, 0],
      [0, 1],
    ]);
    const s = scoreSegmentation([item('a', 0, big, big), item('a', 1, z(64), dot), item('b', 5, pb, tb)], [8, 8]);
    const a = (2 * 36) / (36 + 37);
    const b = (2 * 2) / (2 + 4);
    expect(s.perCase.map((c) => c.dice)).toEqual([a, b]);
    expect(s.summary.caseDice.mean).toBeCloseTo((a + b) / 2, 12);
    // Slice view: 1, 0 and 2/3 on the three lesion slices.
    expect(s.summary.lesionSliceDice.mean).toBeCloseTo((1 + 0 + b) / 3, 12);
  });

  it('empty true mask: no Dice; counted in the false-positive rates instead', () => {
    const truth = rect(4, 4, 0, 1, 0, 1);
    const items = [
      item('a', 0, truth, truth), // lesion, perfect
      item('a', 1, z(16), z(16)), // lesion-free slice, nothing predicted
      item('a', 2, mask(4, 4, [[3, 3]]), z(16)), // lesion-free slice with a false positive
      item('b', 0, z(16), z(16)), // lesion-free case, clean
      item('c', 0, mask(4, 4, [[0, 0]]), z(16)), // lesion-free case with a false positive
    ];
    const s = scoreSegmentation(items, [4, 4]);
    expect(s.perSlice.map((x) => x.dice)).toEqual([1, null, null, null, null]);
    expect(s.perCase.map((x) => x.dice)).toEqual([(2 * 4) / (4 + 5), null, null]);
    expect(s.summary.caseDice.n).toBe(1);
    expect(s.summary.lesionCases).toBe(1);
    expect(s.summary.falsePositiveEmptySlices).toEqual({ n: 4, withPrediction: 2, rate: 0.5 });
    expect(s.summary.falsePositiveEmptyCases).toEqual({ n: 2, withPrediction: 1, rate: 0.5 });
  });

  it('predicting nothing scores per-case Dice 0 however many slices are empty', () => {
    const t = rect(4, 4, 1, 2, 1, 2);
    const items = [item('a', 0, z(16), t), ...[1, 2, 3, 4, 5].map((i) => item('a', i, z(16), z(16)))];
    const s = scoreSegmentation(items, [4, 4]);
    expect(s.summary.caseDice.mean).toBe(0);
    expect(s.summary.hd95Missing).toBe(1);
    expect(s.summary.hd95Pooled.n).toBe(0);
    expect(s.summary.falsePositiveEmptySlices.rate).toBe(0);
  });

  it('stacks a case by slice index whatever the input order', () => {
    const t0 = mask(5, 5, [[0, 0]]);
    const t1 = mask(5, 5, [[4, 4]]);
    const p1 = mask(5, 5, [[4, 3]]);
    const ordered = scoreSegmentation([item('a', 0, t0, t0), item('a', 1, p1, t1)], [5, 5]);
    const shuffled = scoreSegmentation([item('a', 1, p1, t1), item('a', 0, t0, t0)], [5, 5]);
    expect(shuffled.perCase).toEqual(ordered.perCase);
    expect(shuffled.perSlice.map((x) => x.index)).toEqual([1, 0]);
  });

  it('rejects size mismatches', () => {
    expect(() => scoreSegmentation([item('a', 0, z(4), z(5))], [2, 2])).toThrow(/pixels/);
    expect(() => scoreSegmentation([item('a', 0, z(6), z(6))], [2, 2])).toThrow(/dims/);
    expect(() => scoreProbabilities(new Float32Array(3), [{ caseId: 'a', index: 0, mask: z(4) }], 2)).toThrow(/probabilities/);
  });

  it('scoreProbabilities thresholds at 0.5 by default', () => {
    const probs = Float32Array.from([0.5, 0.49, 0.9, 0.1]);
    const s = scoreProbabilities(probs, [{ caseId: 'a', index: 0, mask: Uint8Array.from([1, 1, 0, 0]) }], 2);
    expect(Array.from(s.preds[0])).toEqual([1, 0, 1, 0]);
    expect(s.summary.caseDice.mean).toBeCloseTo(0.5, 12);
  });
});

describe('HD95: MedPy pooled and MONAI max-of-directed', () => {
  it('differ when one direction is far: a thin extra blob far from the truth', () => {
    // Truth: 1x10 bar; prediction: the same bar plus one far pixel.
    const truth = rect(12, 12, 0, 0, 0, 9);
    const pred = Uint8Array.from(truth);
    pred[11 * 12 + 11] = 1;
    const { pooled, maxDirected } = surfaceHd95(pred, truth, [12, 12], [1, 1]);
    // pred->truth distances: 0 x10, one of hypot(11, 2); truth->pred: 0 x10.
    const far = Math.hypot(11, 2);
    const pooledD = [...new Array(20).fill(0), far].sort((a, b) => a - b);
    expect(pooled).toBeCloseTo(pooledD[19] + (pooledD[20] - pooledD[19]) * (0.95 * 20 - 19), 12);
    expect(maxDirected).toBeCloseTo(far * (0.95 * 10 - 9), 12);
    const s = scoreSegmentation([item('a', 0, pred, truth)], [12, 12]);
    expect(s.perCase[0].hd95Pooled).toBeCloseTo(pooled, 12);
    expect(s.perCase[0].hd95MaxDirected).toBeCloseTo(maxDirected, 12);
    expect(s.summary.hd95Unit).toBe('px');
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
    const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
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
    expect(hd95(a, b, [3, 4, 5], [3, 1, 1])).toBeCloseTo(Math.sqrt(36 + 9 + 16), 12);
  });
});

describe('summarize', () => {
  it('mean, sample std and median', () => {
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
        const n = [
          [r - 1, c],
          [r + 1, c],
          [r, c - 1],
          [r, c + 1],
        ];
        if (n.some(([y, x]) => y < 0 || x < 0 || y >= h || x >= w || !m[y * w + x])) out.push([r, c]);
      }
    return out;
  };
  const ea = edge(a);
  const eb = edge(b);
  const near = (p: [number, number], set: [number, number][]) =>
    Math.min(...set.map((q) => Math.hypot((p[0] - q[0]) * sp[0], (p[1] - q[1]) * sp[1])));
  const d = [...ea.map((p) => near(p, eb)), ...eb.map((p) => near(p, ea))].sort((x, y) => x - y);
  const pos = 0.95 * (d.length - 1);
  const lo = Math.floor(pos);
  return d[lo] + (d[Math.min(lo + 1, d.length - 1)] - d[lo]) * (pos - lo);
}
