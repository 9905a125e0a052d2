import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../../shared/data/types';
import { scoreProbabilities, scoreSegmentation } from '../../shared/metrics';
import { chunk, sampleArrays, toBatch } from './batches';

export interface ValidationScore {
  /** Headline per-case Dice of the model on the validation slices (null: no case with a lesion). */
  caseDice: number | null;
  /** The same score for a model that predicts no lesion anywhere (the failed-training baseline). */
  nothingCaseDice: number | null;
}

/**
 * Scores the model on the validation slices through the one scoring module (hard masks at 0.5).
 * BatchNorm runs in inference mode (moving statistics), as in deployment.
 */
export async function validationScore(model: tf.LayersModel, val: Sample[], batchSize: number, size: number, channels: number): Promise<ValidationScore> {
  if (val.length === 0) return { caseDice: null, nothingCaseDice: null };
  const px = size * size;
  const probs = new Float32Array(val.length * px);
  for (const idx of chunk(Array.from({ length: val.length }, (_, i) => i), batchSize)) {
    const p = tf.tidy(() => model.predict(toBatch(sampleArrays(val, idx), size, channels).x) as tf.Tensor4D);
    probs.set((await p.data()) as Float32Array, idx[0] * px);
    p.dispose();
  }
  const model_ = scoreProbabilities(probs, val, size).summary;
  const nothing = scoreSegmentation(
    val.map((s) => ({ caseId: s.caseId, index: s.index, pred: new Uint8Array(px), truth: s.mask })),
    [size, size],
  ).summary;
  return { caseDice: model_.caseDice.mean, nothingCaseDice: nothing.caseDice.mean };
}
