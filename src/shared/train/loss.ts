import * as tf from '@tensorflow/tfjs';

export interface BceDiceOptions {
  /** Weight of the binary cross-entropy term (default 1). */
  bceWeight?: number;
  /** Weight of the soft-Dice term (default 1). */
  diceWeight?: number;
  /** Probabilities are clipped to [eps, 1 - eps] before the log (default 1e-7). */
  eps?: number;
  /** Additive smoothing of the soft Dice, keeps empty masks defined (default 1). */
  smooth?: number;
}

/** A data loss: (true mask, predicted probabilities) -> scalar. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/**
 * BCE + soft Dice for a sigmoid head. yPred are probabilities [N,H,W,1]; yTrue is {0,1}.
 * BCE is the mean over all pixels; soft Dice is computed per image,
 * 1 - (2 sum(y p) + s) / (sum y + sum p + s), then averaged over the batch, so small lesions
 * weigh as much as large ones.
 */
export function bceDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, opts: BceDiceOptions = {}): tf.Scalar {
  const { bceWeight = 1, diceWeight = 1, eps = 1e-7, smooth = 1 } = opts;
  return tf.tidy(() => {
    const y = yTrue.toFloat();
    const p = tf.clipByValue(yPred, eps, 1 - eps);
    const bce = tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))));
    const n = y.shape[0] ?? 1;
    const yf = y.reshape([n, -1]);
    // Dice uses the unclipped probabilities: it has no log, and clipping would stop its gradient at saturation.
    const pf = yPred.reshape([n, -1]);
    const inter = tf.sum(tf.mul(yf, pf), 1);
    const denom = tf.add(tf.sum(yf, 1), tf.sum(pf, 1));
    const dice = tf.div(tf.add(tf.mul(2, inter), smooth), tf.add(denom, smooth));
    const diceLoss = tf.sub(1, tf.mean(dice));
    return tf.add(tf.mul(bceWeight, bce), tf.mul(diceWeight, diceLoss)) as tf.Scalar;
  });
}

/** The default data loss of the studio. */
export const defaultLoss: LossFn = (yTrue, yPred) => bceDiceLoss(yTrue, yPred);
