import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import { setWeightArrays } from '../model/weights';
import { pruneWeights } from './prune';
import type { NamedWeight, PruneOptions, PruneReport } from './types';

/**
 * Copies every weight of `model` (trainable and not, e.g. BN moving stats) out as plain arrays, `model.weights` order.
 * Asynchronous: a GPU backend (webgpu) can only read its buffers asynchronously.
 */
export async function readWeights(model: tf.LayersModel): Promise<NamedWeight[]> {
  const values = await Promise.all(model.weights.map((v) => v.read().data() as Promise<Float32Array>));
  return model.weights.map((v, i) => ({ name: v.name, shape: [...(v.shape as number[])], values: Float32Array.from(values[i]) }));
}

/**
 * Writes `weights` into the model's variables. This changes `model` in place: prune a copy
 * of the trained model, or write the `readWeights` snapshot back afterwards.
 * A full list (one entry per `model.weights`, e.g. `pruneWeights(readWeights(m)).weights`)
 * is matched by position, so it also fits a second build of the same config whose variable
 * names got suffixes; a partial list is matched by variable name.
 */
export function applyToModel(model: tf.LayersModel, weights: NamedWeight[]): void {
  if (weights.length === model.weights.length) {
    setWeightArrays(model, weights);
    return;
  }
  const byName = new Map(model.weights.map((v) => [v.name, v] as const));
  // Check everything before writing anything, so a bad list leaves the model as it was.
  const targets = weights.map((w) => {
    const v = byName.get(w.name);
    if (!v) {
      throw new StudioError({
        code: 'mismatch',
        what: `The model has no weight named "${w.name}"`,
        hint: 'Apply weights read from this model, or pass the full list in model.weights order',
      });
    }
    const shape = v.shape as number[];
    if (
      shape.length !== w.shape.length ||
      shape.some((d, i) => d !== w.shape[i]) ||
      w.values.length !== w.shape.reduce((a, b) => a * b, 1)
    ) {
      throw new StudioError({
        code: 'mismatch',
        what: `Weight "${w.name}" has shape [${w.shape}] but the model expects [${shape}]`,
        hint: 'Apply weights read from the same model architecture',
      });
    }
    return v;
  });
  tf.tidy(() => targets.forEach((v, i) => v.write(tf.tensor(weights[i].values, weights[i].shape, 'float32'))));
}

/**
 * One sweep level: prunes `original` (default: the model's current weights) and writes the
 * result into `model`. Keep `original` and pass it for every level, so each level starts from
 * the trained weights rather than from the previous level; write it back to restore the model.
 */
export async function pruneModel(model: tf.LayersModel, opts: PruneOptions, original?: NamedWeight[]): Promise<PruneReport> {
  const { weights, report } = pruneWeights(original ?? (await readWeights(model)), opts);
  applyToModel(model, weights);
  return report;
}
