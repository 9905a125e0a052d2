/**
 * A leaner gradient for FusedBatchNorm (per-channel mean/variance, NHWC), used only while the
 * wasm backend is active; every other backend keeps core's gradient.
 *
 * Core's gradient makes about a dozen full-size passes per BatchNorm layer (two of its
 * full-size temporaries live until the whole backward pass ends). All five input gradients
 * follow from two per-channel sums, S1 = sum(dy) and S2 = sum(dy * (x - mean)):
 *   dx = dy * scale * r,           r = 1 / sqrt(variance + eps)
 *   dmean = -scale * r * S1,       dvariance = -0.5 * scale * r^3 * S2
 *   dscale = r * S2,               doffset = S1
 * which costs three full-size passes plus two reductions.
 */
import * as tf from '@tensorflow/tfjs';

const MARK = Symbol.for('var-studio.lean-batchnorm-grad');

export function registerLeanBatchNormGradient(): void {
  const stock = tf.getGradient('FusedBatchNorm') as (tf.GradConfig & { [MARK]?: true }) | undefined;
  if (!stock || stock[MARK]) return;
  const config: tf.GradConfig & { [MARK]?: true } = {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dyIn, saved, attrs) => {
      const dy = dyIn as tf.Tensor;
      const [x, mean, variance, scale] = saved;
      if (tf.getBackend() !== 'wasm' || mean.rank !== 1 || x.rank !== 4) return stock.gradFunc(dyIn, saved, attrs);
      const eps = (attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon;
      const axes = [0, 1, 2];
      // Per-channel vectors only survive this tidy; the full-size temporaries die here.
      const { r, s1, s2, g } = tf.tidy(() => {
        const xmm = tf.sub(x, mean);
        return {
          r: tf.rsqrt(tf.add(variance, eps)),
          s1: tf.sum(dy, axes),
          s2: tf.sum(tf.mul(dy, xmm), axes),
          g: scale == null ? tf.scalar(1) : scale,
        };
      });
      return {
        x: () => tf.mul(dy, tf.mul(g, r)),
        mean: () => tf.reshape(tf.mul(tf.neg(tf.mul(g, r)), s1), mean.shape),
        variance: () => tf.reshape(tf.mul(tf.mul(-0.5, tf.mul(g, tf.pow(r, 3))), s2), mean.shape),
        scale: () => tf.reshape(tf.mul(r, s2), mean.shape),
        offset: () => tf.reshape(s1, mean.shape),
      };
    },
  };
  config[MARK] = true;
  tf.registerGradient(config);
}
