import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../../shared/data/types';
import { chunk, sampleArrays, toBatch } from './batches';

/**
 * Hard Dice at threshold 0.5 per validation slice, averaged over slices. Policy for empty
 * masks: prediction and truth both empty = 1 (nothing to find, nothing found); only one empty
 * = 0. BatchNorm runs in inference mode (moving statistics), as in deployment.
 */
export async function validationDice(model: tf.LayersModel, val: Sample[], batchSize: number, size: number, channels: number): Promise<number> {
  if (val.length === 0) return NaN;
  let total = 0;
  for (const idx of chunk(Array.from({ length: val.length }, (_, i) => i), batchSize)) {
    const dice = tf.tidy(() => {
      const { x, y } = toBatch(sampleArrays(val, idx), size, channels);
      const p = model.predict(x) as tf.Tensor4D;
      const hard = tf.cast(tf.greater(p, 0.5), 'float32');
      const inter = tf.sum(tf.mul(hard, y), [1, 2, 3]);
      const denom = tf.add(tf.sum(hard, [1, 2, 3]), tf.sum(y, [1, 2, 3]));
      const empty = tf.equal(denom, 0);
      return tf.where(empty, tf.onesLike(denom), tf.div(tf.mul(inter, 2), tf.maximum(denom, 1)));
    });
    const d = (await dice.data()) as Float32Array;
    dice.dispose();
    for (const v of d) total += v;
  }
  return total / val.length;
}
