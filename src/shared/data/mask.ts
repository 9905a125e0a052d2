import { fail } from './fail.js';

/**
 * Mask pixels must be 0 or 1 (or 0/255 as in the LGG set). Anything else (soft masks, label maps
 * with several classes, a photo saved as mask) is an error rather than a silent threshold.
 */
export function binarizeMask(values: ArrayLike<number>, channels: number, file?: string): Uint8Array {
  const n = Math.floor(values.length / channels);
  const out = new Uint8Array(n);
  let max = 0;
  for (let p = 0; p < n; p++) {
    const v = values[p * channels];
    if (v > max) max = v;
  }
  for (let p = 0; p < n; p++) {
    const v = values[p * channels];
    if (v === 0) continue;
    if (v === 1 || v === 255 || (v === 65535 && max === 65535)) {
      out[p] = 1;
      continue;
    }
    fail(
      'bad-file',
      file,
      `mask is not binary: pixel ${p} has value ${v} (expected 0 and 1, or 0 and 255)`,
      'Save the mask with only 0 for background and 1 or 255 for lesion (threshold soft masks first)',
    );
  }
  return out;
}

/**
 * The binary mask of one 2-D slice read from its own file (PNG, TIFF): the same size as its image
 * or an error naming the mask file, then binarized as above.
 */
export function sliceMask(
  mask: { width: number; height: number; data: ArrayLike<number>; channels: number },
  image: { width: number; height: number },
  file: string,
): Uint8Array {
  if (mask.width !== image.width || mask.height !== image.height)
    fail(
      'mismatch',
      file,
      `mask is ${mask.width}x${mask.height} but its image is ${image.width}x${image.height}`,
      'Image and mask of a slice must have the same size; re-export the mask',
    );
  return binarizeMask(mask.data, mask.channels, file);
}
