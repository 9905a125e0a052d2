import { z } from 'zod';
import { StudioError } from '../errors';
import type { Rng } from '../rng';

/**
 * Seeded geometric augmentation of an image + mask pair on plain arrays (runs in any
 * process): flips, a small rotation and an isotropic scale about the image centre.
 * Image: Float32 HxWxC, bilinear, edge-clamped (background stays background).
 * Mask: Uint8 HxW, nearest neighbour, 0 outside, so it keeps exactly its input values.
 */
export const AugmentConfigSchema = z
  .object({
    flipHorizontal: z.boolean().default(true),
    /** Off by default: brain slices have a consistent anterior-posterior orientation. */
    flipVertical: z.boolean().default(false),
    /** Rotation drawn uniformly from [-maxRotationDeg, maxRotationDeg]. */
    maxRotationDeg: z.number().min(0).max(45).default(10),
    /** Scale drawn uniformly from [1 - maxScaleDelta, 1 + maxScaleDelta]. */
    maxScaleDelta: z.number().min(0).max(0.5).default(0.1),
  })
  .strict();
export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;
export type AugmentConfigInput = z.input<typeof AugmentConfigSchema>;

export interface AugmentParams {
  flipHorizontal: boolean;
  flipVertical: boolean;
  angleDeg: number;
  scale: number;
}

export interface ImageSize {
  height: number;
  width: number;
  channels: number;
}

/** Draws the parameters; always consumes exactly four numbers from rng, so streams stay aligned. */
export function sampleAugmentParams(rng: Rng, raw: AugmentConfigInput = {}): AugmentParams {
  const c = AugmentConfigSchema.parse(raw);
  const u = [rng.next(), rng.next(), rng.next(), rng.next()];
  return {
    flipHorizontal: c.flipHorizontal && u[0] < 0.5,
    flipVertical: c.flipVertical && u[1] < 0.5,
    angleDeg: (2 * u[2] - 1) * c.maxRotationDeg,
    scale: 1 + (2 * u[3] - 1) * c.maxScaleDelta,
  };
}

export function applyAugment(
  image: Float32Array,
  mask: Uint8Array,
  size: ImageSize,
  p: AugmentParams,
): { image: Float32Array; mask: Uint8Array } {
  const { height: H, width: W, channels: C } = size;
  if (image.length !== H * W * C || mask.length !== H * W) {
    throw new StudioError({
      code: 'mismatch',
      what: `Augmentation got an image of ${image.length} values and a mask of ${mask.length} for ${H}x${W}x${C}`,
      hint: 'Pass an HxWxC Float32 image and an HxW Uint8 mask of the same slice',
    });
  }
  const outImg = new Float32Array(image.length);
  const outMask = new Uint8Array(mask.length);
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  const rad = (p.angleDeg * Math.PI) / 180;
  // Inverse map output -> source: undo the flip, then rotate by -angle and divide by scale.
  const cos = Math.cos(rad) / p.scale;
  const sin = Math.sin(rad) / p.scale;
  const identity = p.angleDeg === 0 && p.scale === 1;
  for (let y = 0; y < H; y++) {
    const fy = p.flipVertical ? H - 1 - y : y;
    for (let x = 0; x < W; x++) {
      const fx = p.flipHorizontal ? W - 1 - x : x;
      const o = y * W + x;
      if (identity) {
        // Exact permutation: flips never resample.
        const s = fy * W + fx;
        outMask[o] = mask[s];
        for (let c = 0; c < C; c++) outImg[o * C + c] = image[s * C + c];
        continue;
      }
      const dy = fy - cy;
      const dx = fx - cx;
      const sy = cy + cos * dy + sin * dx;
      const sx = cx - sin * dy + cos * dx;
      const ny = Math.round(sy);
      const nx = Math.round(sx);
      outMask[o] = ny >= 0 && ny < H && nx >= 0 && nx < W ? mask[ny * W + nx] : 0;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const ty = sy - y0;
      const tx = sx - x0;
      const ya = clamp(y0, H);
      const yb = clamp(y0 + 1, H);
      const xa = clamp(x0, W);
      const xb = clamp(x0 + 1, W);
      for (let c = 0; c < C; c++) {
        const v00 = image[(ya * W + xa) * C + c];
        const v01 = image[(ya * W + xb) * C + c];
        const v10 = image[(yb * W + xa) * C + c];
        const v11 = image[(yb * W + xb) * C + c];
        outImg[o * C + c] = (1 - ty) * ((1 - tx) * v00 + tx * v01) + ty * ((1 - tx) * v10 + tx * v11);
      }
    }
  }
  return { image: outImg, mask: outMask };
}

const clamp = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);

/** Draws parameters from rng and applies them. */
export function augmentPair(
  image: Float32Array,
  mask: Uint8Array,
  size: ImageSize,
  rng: Rng,
  config: AugmentConfigInput = {},
): { image: Float32Array; mask: Uint8Array; params: AugmentParams } {
  const params = sampleAugmentParams(rng, config);
  return { ...applyAugment(image, mask, size, params), params };
}
