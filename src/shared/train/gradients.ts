import * as tf from '@tensorflow/tfjs';
import type { LossFn } from './loss';

export type Batch = { x: tf.Tensor4D; y: tf.Tensor4D };

/**
 * Data-loss gradients w.r.t. `model.trainableWeights` (same order, same shapes) at the
 * variables' CURRENT values, with BatchNorm in training mode (batch statistics, moving
 * statistics updated). The caller owns and disposes the returned grads; the batch stays
 * owned by the caller. Optimizers only see this interface, so a parallel implementation
 * (src/node/compute/parallel) can replace the single-thread one.
 */
export type GradientFn = (batch: Batch) => Promise<{ loss: number; grads: tf.Tensor[] }>;

/** Single-thread GradientFn: one tf.variableGrads over the whole batch. */
export function localGradientFn(model: tf.LayersModel, lossFn: LossFn): GradientFn {
  return async (batch) => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const yPred = model.apply(batch.x, { training: true }) as tf.Tensor;
      return lossFn(batch.y, yPred);
    }, vars);
    const loss = (await value.data())[0];
    value.dispose();
    // A weight the loss does not reach gets no entry from variableGrads; give it zeros.
    const ordered = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
    return { loss, grads: ordered };
  };
}
