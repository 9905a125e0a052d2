import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';

interface BnLayer extends tf.layers.Layer {
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

interface Moments {
  n: number;
  mean: Float64Array;
  m2: Float64Array;
}

export interface BatchNormReestimate {
  /** BatchNormalization layers updated. */
  layers: number;
  /** Calibration images seen. */
  images: number;
}

function isBn(l: tf.layers.Layer): l is BnLayer {
  return l.getClassName() === 'BatchNormalization';
}

/**
 * Recomputes every BatchNormalization layer's moving mean and variance for the model's
 * current (e.g. pruned) weights from calibration batches (NHWC tensors; the caller owns them).
 *
 * As PyTorch's `update_bn` with `momentum=None`: one forward pass per batch in training mode,
 * so each BN normalises with its batch statistics while we record the statistics of its input.
 * The stored values are the exact mean and population variance of each BN input over all
 * calibration pixels (batch moments merged with Chan's formula), i.e. the cumulative average,
 * which does not depend on batch sizes or order.
 * BN layers must sit in the top-level graph (not inside a nested model) with axis = last.
 */
export async function reestimateBatchNorm(
  model: tf.LayersModel,
  calibrationBatches: Iterable<tf.Tensor> | AsyncIterable<tf.Tensor>,
  opts: { signal?: AbortSignal } = {},
): Promise<BatchNormReestimate> {
  const bns = model.layers.filter(isBn);
  for (const l of model.layers) {
    if ('layers' in l && (l as unknown as tf.LayersModel).layers.some(isBn)) {
      throw new StudioError({
        code: 'unsupported',
        what: `BatchNorm layers inside the nested model "${l.name}" cannot be re-estimated`,
        hint: 'Build the model as one flat functional graph',
      });
    }
  }
  if (bns.length === 0) return { layers: 0, images: 0 };
  for (const l of bns) {
    const axis = (l.getConfig() as { axis?: number }).axis ?? -1;
    const rank = l.inputSpec?.[0]?.ndim ?? (l.input as tf.SymbolicTensor).shape.length;
    if (axis !== -1 && axis !== rank - 1) {
      throw new StudioError({
        code: 'unsupported',
        what: `BatchNorm layer "${l.name}" normalises axis ${axis}, not the channel axis`,
        hint: 'Only channels-last BatchNorm is supported',
      });
    }
  }
  const aux = tf.model({ inputs: model.inputs, outputs: bns.map((l) => l.input as tf.SymbolicTensor) });
  // Training-mode calls update the moving stats as a side effect; keep the originals to restore on failure.
  const saved = bns.map((l) => [l.movingMean.read().clone(), l.movingVariance.read().clone()] as const);
  const acc: Moments[] = bns.map((l) => {
    const c = l.movingMean.shape[0] as number;
    return { n: 0, mean: new Float64Array(c), m2: new Float64Array(c) };
  });
  let images = 0;
  let ok = false;
  try {
    for await (const batch of calibrationBatches) {
      if (opts.signal?.aborted)
        throw new StudioError({ code: 'cancelled', what: 'BatchNorm re-estimation was cancelled', hint: 'Start it again when needed' });
      const stats = tf.tidy(() => {
        const outs = aux.apply(batch, { training: true }) as tf.Tensor | tf.Tensor[];
        const list = Array.isArray(outs) ? outs : [outs];
        return list.map((x) => {
          const axes = x.shape.slice(0, -1).map((_, i) => i);
          const { mean, variance } = tf.moments(x, axes);
          const count = x.size / (x.shape[x.shape.length - 1] as number);
          return { mean, variance, count };
        });
      });
      // Asynchronous reads: a GPU backend (webgpu) cannot read synchronously.
      const values = await Promise.all(
        stats.flatMap((s) => [s.mean.data() as Promise<Float32Array>, s.variance.data() as Promise<Float32Array>]),
      );
      stats.forEach((s, i) => {
        merge(acc[i], s.count, values[2 * i], values[2 * i + 1]);
        s.mean.dispose();
        s.variance.dispose();
      });
      images += batch.shape[0] ?? 0;
    }
    if (images === 0) {
      throw new StudioError({
        code: 'bad-input',
        what: 'No calibration batches were given',
        hint: 'Pass at least one batch of calibration images',
      });
    }
    bns.forEach((l, i) => {
      const a = acc[i];
      const mean = tf.tensor1d(Float32Array.from(a.mean));
      const variance = tf.tensor1d(Float32Array.from(a.m2, (m) => m / a.n));
      l.movingMean.write(mean);
      l.movingVariance.write(variance);
      mean.dispose();
      variance.dispose();
    });
    ok = true;
  } finally {
    if (!ok)
      bns.forEach((l, i) => {
        l.movingMean.write(saved[i][0]);
        l.movingVariance.write(saved[i][1]);
      });
    saved.forEach(([m, v]) => {
      m.dispose();
      v.dispose();
    });
  }
  return { layers: bns.length, images };
}

function merge(a: Moments, nb: number, bm: Float32Array, bv: Float32Array): void {
  const n = a.n + nb;
  for (let c = 0; c < a.mean.length; c++) {
    const delta = bm[c] - a.mean[c];
    a.mean[c] += (delta * nb) / n;
    a.m2[c] += bv[c] * nb + (delta * delta * a.n * nb) / n;
  }
  a.n = n;
}
