import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';

/**
 * The one definition of "layers" for VAR's psi and for pruning: every trainable weight of
 * rank > 1 (conv and dense kernels). Biases and BatchNorm gamma/beta are rank 1 and never
 * included; BN moving statistics are not trainable.
 */
export interface PrunableWeight {
  /** Name of the owning layer (e.g. "enc1_block0_conv1"); unique within a model. */
  layerName: string;
  /** Index of this weight in `model.trainableWeights` (the GradientFn order). */
  index: number;
  variable: tf.LayerVariable;
}

export const isPrunableShape = (shape: readonly (number | null)[]) => shape.length > 1;

/** Weight shapes are always concrete; tfjs types them as possibly-null layer shapes. */
export const shapeOf = (v: tf.LayerVariable): number[] => v.shape as number[];

export function prunableWeights(model: tf.LayersModel): PrunableWeight[] {
  const owner = new Map<tf.LayerVariable, string>();
  for (const layer of model.layers) for (const w of layer.trainableWeights) owner.set(w, layer.name);
  const out: PrunableWeight[] = [];
  model.trainableWeights.forEach((variable, index) => {
    if (isPrunableShape(variable.shape)) {
      out.push({ layerName: owner.get(variable) ?? variable.originalName ?? variable.name, index, variable });
    }
  });
  return out;
}

/** Indices into `model.trainableWeights` of the prunable kernels (VAR and weight decay apply to these). */
export function prunableMask(model: tf.LayersModel): boolean[] {
  return model.trainableWeights.map((w) => isPrunableShape(w.shape));
}

/**
 * A plain-data snapshot of ALL weights (`model.weights` order: trainable and BN moving
 * statistics), safe to post between threads or write to disk.
 */
export interface WeightArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

export async function getWeightArrays(model: tf.LayersModel): Promise<WeightArray[]> {
  const ws = model.weights;
  const datas = await Promise.all(ws.map((w) => w.read().data() as Promise<Float32Array>));
  return ws.map((w, i) => ({ name: w.name, shape: [...shapeOf(w)], values: Float32Array.from(datas[i]) }));
}

/**
 * Writes a snapshot back. Matching is by position (names get suffixes when the same
 * architecture is built twice in one process), and shapes must agree exactly.
 */
export function setWeightArrays(model: tf.LayersModel, arrays: readonly WeightArray[]): void {
  const ws = model.weights;
  if (arrays.length !== ws.length) {
    throw new StudioError({
      code: 'mismatch',
      what: `The snapshot has ${arrays.length} weight tensors but the model has ${ws.length}`,
      hint: 'Load the snapshot into a model built from the same ModelConfig',
    });
  }
  ws.forEach((w, i) => {
    const a = arrays[i];
    const shape = shapeOf(w);
    const size = shape.reduce((p, q) => p * q, 1);
    if (a.shape.length !== shape.length || a.shape.some((d, j) => d !== shape[j]) || a.values.length !== size) {
      throw new StudioError({
        code: 'mismatch',
        what: `Weight ${i} (${w.name}) has shape [${w.shape.join(',')}] but the snapshot gives [${a.shape.join(',')}]`,
        hint: 'Load the snapshot into a model built from the same ModelConfig',
      });
    }
  });
  tf.tidy(() => ws.forEach((w, i) => w.write(tf.tensor(arrays[i].values, shapeOf(w), 'float32'))));
}
