import * as tf from '@tensorflow/tfjs';

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
