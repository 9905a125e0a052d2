import type * as tf from '@tensorflow/tfjs';
import type { Sample } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import { scoreProbabilities, scoreSegmentation } from '../../shared/metrics';
import { createScorer, type InferenceEngine, type InferencePreference } from '../compute/inference';
import { chunk } from './batches';

export interface ValidationScore {
  /** Headline per-case Dice of the model on the validation slices (null: no case with a lesion). */
  caseDice: number | null;
  /** The same score for a model that predicts no lesion anywhere (the failed-training baseline). */
  nothingCaseDice: number | null;
  /** The engine that predicted (src/node/compute/inference.ts); absent when there was nothing to predict. */
  engine?: InferenceEngine;
}

/**
 * Scores the model on the validation slices through the one scoring module (hard masks at 0.5).
 * BatchNorm runs in inference mode (moving statistics), as in deployment. Predictions come from
 * the one inference module: onnxruntime where it applies, else tfjs (`prefer` overrides).
 */
export async function validationScore(
  model: tf.LayersModel,
  val: Sample[],
  batchSize: number,
  size: number,
  channels: number,
  prefer?: InferencePreference,
): Promise<ValidationScore> {
  if (val.length === 0) return { caseDice: null, nothingCaseDice: null };
  const px = size * size;
  const probs = new Float32Array(val.length * px);
  const scorer = await createScorer(model, prefer ? { prefer } : {});
  try {
    for (const idx of chunk(
      Array.from({ length: val.length }, (_, i) => i),
      batchSize,
    )) {
      const images = new Float32Array(idx.length * px * channels);
      idx.forEach((s, i) => {
        if (val[s].image.length !== px * channels || val[s].mask.length !== px) {
          throw new StudioError({
            code: 'mismatch',
            what: `A validation sample has ${val[s].image.length} image values and ${val[s].mask.length} mask values, the model expects ${size}x${size}x${channels}`,
            hint: 'Preprocess the dataset to the model input size and channel count',
          });
        }
        images.set(val[s].image, i * px * channels);
      });
      probs.set(await scorer.predict(images, [idx.length, size, size, channels]), idx[0] * px);
    }
  } finally {
    await scorer.dispose();
  }
  const model_ = scoreProbabilities(probs, val, size).summary;
  const nothing = scoreSegmentation(
    val.map((s) => ({ caseId: s.caseId, index: s.index, pred: new Uint8Array(px), truth: s.mask })),
    [size, size],
  ).summary;
  return { caseDice: model_.caseDice.mean, nothingCaseDice: nothing.caseDice.mean, engine: scorer.engine };
}
