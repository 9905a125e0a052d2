import { describe, expect, it } from 'vitest';
import { applyAugment, augmentPair, sampleAugmentParams } from '../../../../src/shared/train/augment';
import { createRng, deriveSeed } from '../../../../src/shared/rng';

const H = 12;
const W = 10;
const C = 3;
const size = { height: H, width: W, channels: C };
const image = Float32Array.from({ length: H * W * C }, (_, i) => Math.sin(i) + i / 100);
const mask = Uint8Array.from({ length: H * W }, (_, i) => (i % W > 3 && Math.floor(i / W) > 4 ? 1 : 0));

describe('augmentation', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = augmentPair(image, mask, size, createRng(42));
    const b = augmentPair(image, mask, size, createRng(42));
    const c = augmentPair(image, mask, size, createRng(43));
    expect(a.params).toEqual(b.params);
    expect(a.image).toEqual(b.image);
    expect(a.mask).toEqual(b.mask);
    expect(c.params).not.toEqual(a.params);
  });

  it('flips are exact permutations', () => {
    const h = applyAugment(image, mask, size, { flipHorizontal: true, flipVertical: false, angleDeg: 0, scale: 1 });
    const v = applyAugment(image, mask, size, { flipHorizontal: false, flipVertical: true, angleDeg: 0, scale: 1 });
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        expect(h.mask[y * W + x]).toBe(mask[y * W + (W - 1 - x)]);
        expect(v.mask[y * W + x]).toBe(mask[(H - 1 - y) * W + x]);
        for (let c = 0; c < C; c++) {
          expect(h.image[(y * W + x) * C + c]).toBe(image[(y * W + (W - 1 - x)) * C + c]);
          expect(v.image[(y * W + x) * C + c]).toBe(image[((H - 1 - y) * W + x) * C + c]);
        }
      }
    }
    // Twice = identity.
    const hh = applyAugment(h.image, h.mask, size, { flipHorizontal: true, flipVertical: false, angleDeg: 0, scale: 1 });
    expect(hh.image).toEqual(image);
    expect(hh.mask).toEqual(mask);
  });

  it('masks stay binary under rotation and scale; params stay in range', () => {
    const rng = createRng(deriveSeed(7, 1));
    for (let i = 0; i < 20; i++) {
      const r = augmentPair(image, mask, size, rng, { maxRotationDeg: 15, maxScaleDelta: 0.2, flipVertical: true });
      expect(Math.abs(r.params.angleDeg)).toBeLessThanOrEqual(15);
      expect(Math.abs(r.params.scale - 1)).toBeLessThanOrEqual(0.2);
      expect(r.mask.every((m) => m === 0 || m === 1)).toBe(true);
      expect(r.image.every(Number.isFinite)).toBe(true);
    }
    // A 90-degree-free small rotation keeps most of the lesion.
    const r = applyAugment(image, mask, size, { flipHorizontal: false, flipVertical: false, angleDeg: 5, scale: 1 });
    const n0 = mask.reduce((s, m) => s + m, 0);
    const n1 = r.mask.reduce((s, m) => s + m, 0);
    expect(Math.abs(n1 - n0)).toBeLessThan(0.2 * n0);
  });

  it('always consumes four draws, so streams stay aligned whatever the config', () => {
    const a = createRng(1);
    const b = createRng(1);
    sampleAugmentParams(a, { flipHorizontal: false, maxRotationDeg: 0, maxScaleDelta: 0 });
    sampleAugmentParams(b);
    expect(a.next()).toBe(b.next());
  });

  it('rejects mismatched sizes', () => {
    expect(() =>
      applyAugment(image, mask.subarray(1), size, { flipHorizontal: false, flipVertical: false, angleDeg: 0, scale: 1 }),
    ).toThrow(/mask/);
  });
});

describe('rng', () => {
  it('replays from a saved state', () => {
    const r = createRng(9);
    r.next();
    const s = r.getState();
    const seq = [r.next(), r.next(), r.int(10)];
    r.setState(s);
    expect([r.next(), r.next(), r.int(10)]).toEqual(seq);
    const u = Array.from({ length: 1000 }, () => r.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((a, b) => a + b, 0) / 1000 - 0.5)).toBeLessThan(0.05);
  });
});
