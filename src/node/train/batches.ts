import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';

/** Consecutive index groups; the last one may be short (all samples are seen every epoch). */
export function chunk(idx: number[], batchSize: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += batchSize) out.push(idx.slice(i, i + batchSize));
  return out;
}

export interface SampleArrays {
  image: Float32Array;
  mask: Uint8Array;
}

/** Packs S x S x C images and S x S masks into NHWC tensors (mask as float 0/1, one channel). */
export function toBatch(items: SampleArrays[], size: number, channels: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const px = size * size;
  const x = new Float32Array(items.length * px * channels);
  const y = new Float32Array(items.length * px);
  items.forEach((s, i) => {
    if (s.image.length !== px * channels || s.mask.length !== px) {
      throw new StudioError({
        code: 'mismatch',
        what: `A sample has ${s.image.length} image values and ${s.mask.length} mask values, the model expects ${size}x${size}x${channels}`,
        hint: 'Preprocess the dataset to the model input size and channel count',
      });
    }
    x.set(s.image, i * px * channels);
    for (let k = 0; k < px; k++) y[i * px + k] = s.mask[k] ? 1 : 0;
  });
  return {
    x: tf.tensor4d(x, [items.length, size, size, channels]),
    y: tf.tensor4d(y, [items.length, size, size, 1]),
  };
}

export function sampleArrays(samples: Sample[], idx: number[]): SampleArrays[] {
  return idx.map((i) => ({ image: samples[i].image, mask: samples[i].mask }));
}
