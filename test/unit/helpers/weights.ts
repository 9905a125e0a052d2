import * as tf from '@tensorflow/tfjs';
import { buildModel, modelPreset } from '../../../src/shared/model';

/**
 * Random weights everywhere, BatchNorm statistics included (variance kept positive), seeded: the
 * exporters' parity tests need every folded BatchNorm term to matter. Seeds are seed + index, so
 * pass seed >= 1 (tfjs treats a seed of 0 as "no seed").
 */
export function randomizeWeights(m: tf.LayersModel, seed: number): void {
  tf.tidy(() => {
    m.weights.forEach((v, i) => {
      const shape = v.shape as number[];
      let t: tf.Tensor;
      if (/moving_variance/.test(v.name)) t = tf.randomUniform(shape, 0.5, 2, 'float32', seed + i);
      else if (/gamma/.test(v.name)) t = tf.randomUniform(shape, 0.5, 1.5, 'float32', seed + i);
      else if (shape.length > 1) {
        const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
        t = tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed + i);
      } else t = tf.randomNormal(shape, 0, 0.3, 'float32', seed + i);
      v.write(t);
    });
  });
}

/**
 * The reference preset at 32 px with random BatchNorm statistics, so the exporters' folding has
 * something to fold. Seeded by weight index: index 0 is the stem kernel, never rewritten, so no
 * BatchNorm tensor gets tfjs's unseeded 0.
 */
export function referenceWithRandomBatchNorm(): tf.LayersModel {
  const m = buildModel(modelPreset('reference', { inputSize: 32, widthMultiplier: 0.5 }));
  tf.tidy(() =>
    m.weights.forEach((v, i) => {
      if (/moving_variance|gamma/.test(v.name)) v.write(tf.randomUniform(v.shape as number[], 0.5, 1.5, 'float32', i));
      else if (/moving_mean|beta/.test(v.name)) v.write(tf.randomNormal(v.shape as number[], 0, 0.2, 'float32', i));
    }),
  );
  return m;
}

/** n seeded random 32 x 32 x 3 slices (seeds seed + 1 … seed + n: tfjs reads a seed of 0 as "unseeded"). */
export const randomSlices = (n: number, seed: number): Float32Array[] =>
  Array.from({ length: n }, (_, i) =>
    tf.tidy(() => tf.randomNormal([32, 32, 3], 0, 1, 'float32', seed + i + 1).dataSync() as Float32Array),
  );
