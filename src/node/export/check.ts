/**
 * Runs any predictor (tfjs model, onnxruntime session) on the same images and scores it with the
 * one scoring module, so the Dice of an exported file and of the float32 model it came from
 * differ only by the model.
 */
import * as tf from '@tensorflow/tfjs';
import type * as ort from 'onnxruntime-node';
import type { Sample } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import type { ArtifactCheck, Score } from '../../shared/export/schemas';
import { scoreProbabilities } from '../../shared/metrics';
import { runOnnx } from './onnx-run';
import { runTfliteBatch, type CompiledModel } from './litert';

/** Probabilities for a batch of NHWC images: returns N x H x W values (one output channel). */
export type Predictor = (x: Float32Array, shape: [number, number, number, number]) => Promise<Float32Array>;

export const tfjsPredictor =
  (model: tf.LayersModel): Predictor =>
  async (x, shape) => {
    const out = tf.tidy(() => model.predict(tf.tensor4d(x, shape)) as tf.Tensor);
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  };

export const onnxPredictor =
  (session: ort.InferenceSession): Predictor =>
  async (x, shape) =>
    (await runOnnx(session, x, shape)).data;

export const tflitePredictor =
  (model: CompiledModel): Predictor =>
  (x, shape) =>
    runTfliteBatch(model, x, shape);

const BATCH = 8;

/** Every pixel probability of every sample, in sample order. */
export async function predictAll(
  predict: Predictor,
  samples: Sample[],
  size: number,
  channels: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const px = size * size;
  const out = new Float32Array(samples.length * px);
  for (let i = 0; i < samples.length; i += BATCH) {
    if (signal?.aborted) throw new StudioError({ code: 'cancelled', what: 'The export was cancelled', hint: 'Start it again when needed' });
    const batch = samples.slice(i, i + BATCH);
    const x = new Float32Array(batch.length * px * channels);
    batch.forEach((s, k) => x.set(s.image, k * px * channels));
    const p = await predict(x, [batch.length, size, size, channels]);
    if (p.length !== batch.length * px) {
      throw new StudioError({
        code: 'mismatch',
        what: `The model returned ${p.length} values for ${batch.length} images of ${size}x${size}`,
        hint: 'Export a single-channel segmentation model',
      });
    }
    out.set(p, i * px);
  }
  return out;
}

/** The scoring module's summary of hard masks at p >= 0.5 (headline: mean per-case Dice). */
export function scoreExport(probs: Float32Array, samples: Sample[], size: number): Score {
  return scoreProbabilities(probs, samples, size).summary;
}

/** The exported file's predictions against the float32 reference's, on the same images. */
export function compareToReference(
  runtime: ArtifactCheck['runtime'],
  probs: Float32Array,
  ref: Float32Array,
  samples: Sample[],
  size: number,
  reference: Score,
): ArtifactCheck {
  let maxAbs = 0;
  let flips = 0;
  for (let i = 0; i < probs.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(probs[i] - ref[i]));
    if (probs[i] >= 0.5 !== ref[i] >= 0.5) flips++;
  }
  const score = scoreExport(probs, samples, size);
  return {
    runtime,
    score,
    reference,
    deltaDice: score.caseDice.mean !== null && reference.caseDice.mean !== null ? score.caseDice.mean - reference.caseDice.mean : null,
    maxAbsProbDiff: maxAbs,
    maskDisagreement: probs.length ? flips / probs.length : 0,
  };
}
