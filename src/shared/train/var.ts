import * as tf from '@tensorflow/tfjs';
import { prunableWeights } from '../model/weights';

/**
 * The Variance Amplifying Regularizer, exactly as docs/method.md defines it:
 *   psi(w) = sum over layers l of 1 / (Var(w~_l) + eps),   w~_i = sqrt(w_i^2 + r),
 * Var = population variance over the layer's elements, eps = r = 1e-8, and the objective
 * adds lambda * psi(w). Layers = rank>1 kernels (see `prunableWeights`).
 */
export const VAR_EPS = 1e-8;
export const VAR_R = 1e-8;

/** Per-layer statistics shared by the value and the closed-form gradient. */
function layerStats(w: tf.Tensor) {
  const wt = tf.sqrt(tf.add(tf.square(w), VAR_R));
  const dev = tf.sub(wt, tf.mean(wt));
  // mean((w~ - m)^2), not E[w~^2] - m^2: the latter cancels catastrophically in float32.
  const variance = tf.mean(tf.square(dev));
  return { wt, dev, variance };
}

/** psi for one layer: 1 / (Var(w~) + eps). Differentiable (tf autodiff). */
export function psiLayer(w: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(1, tf.add(layerStats(w).variance, VAR_EPS)) as tf.Scalar);
}

/**
 * lambda * psi over the given kernels, differentiable. With lambda = 0 it returns an exact
 * scalar 0 without touching the kernels, so `loss + varPenalty(k, 0)` is exactly `loss`.
 */
export function varPenalty(kernels: readonly tf.Tensor[], lambda: number): tf.Scalar {
  if (lambda === 0 || kernels.length === 0) return tf.scalar(0);
  return tf.tidy(() => tf.mul(lambda, tf.addN(kernels.map((k) => psiLayer(k)))) as tf.Scalar);
}

/**
 * d(lambda * psi)/dw for each kernel, in closed form (about ten elementwise ops per kernel,
 * no tape):
 *   dVar/dw_i = (2/n) (w~_i - m) w_i / w~_i    (the d m/dw term sums to zero)
 *   dpsi/dw_i = -dVar/dw_i / (Var + eps)^2
 * Also returns the penalty value lambda * psi as a scalar tensor.
 */
export function varPenaltyAndGradients(kernels: readonly tf.Tensor[], lambda: number): { penalty: tf.Scalar; grads: tf.Tensor[] } {
  if (lambda === 0) return { penalty: tf.scalar(0), grads: kernels.map((k) => tf.zerosLike(k)) };
  return tf.tidy(() => {
    const psis: tf.Scalar[] = [];
    const grads = kernels.map((w) => {
      const { wt, dev, variance } = layerStats(w);
      const denom = tf.add(variance, VAR_EPS);
      psis.push(tf.div(1, denom) as tf.Scalar);
      const coef = tf.div((-2 * lambda) / w.size, tf.square(denom));
      return tf.mul(coef, tf.div(tf.mul(dev, w), wt));
    });
    const penalty = (psis.length ? tf.mul(lambda, tf.addN(psis)) : tf.scalar(0)) as tf.Scalar;
    return { penalty, grads };
  });
}

export function varGradients(kernels: readonly tf.Tensor[], lambda: number): tf.Tensor[] {
  const { penalty, grads } = varPenaltyAndGradients(kernels, lambda);
  penalty.dispose();
  return grads;
}

/** lambda * psi over a model's prunable kernels (differentiable w.r.t. the model's variables). */
export function modelVarPenalty(model: tf.LayersModel, lambda: number): tf.Scalar {
  return varPenalty(
    prunableWeights(model).map((p) => p.variable.read()),
    lambda,
  );
}

/** Plain-JS float64 reference of psi, for tests and for reporting psi of stored weights. */
export function psiJs(layers: readonly ArrayLike<number>[]): number {
  let psi = 0;
  for (const w of layers) {
    const n = w.length;
    let m = 0;
    for (let i = 0; i < n; i++) m += Math.sqrt(w[i] * w[i] + VAR_R);
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.sqrt(w[i] * w[i] + VAR_R) - m;
      v += d * d;
    }
    psi += 1 / (v / n + VAR_EPS);
  }
  return psi;
}
