/**
 * The data-parallel GradientFn returns the row-weighted average of per-shard gradients at the
 * coordinator's current weights, and the averaged BatchNorm moving statistics. With one worker
 * that is exactly the single-thread result; with two it equals averaging single-thread results
 * on each half (each shard normalises with its own batch statistics).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/node/compute/backend';
import { createParallelGradientFn, splitRows, type ParallelGradientEngine } from '../../../../src/node/compute/parallel';
import { buildModel, modelPreset } from '../../../../src/shared/model';
import { bceDiceLoss, localGradientFn } from '../../../../src/shared/train';

const config = modelPreset('reference', { inputSize: 16, widthMultiplier: 0.25 });

/** max|a-b| / max|b| over all tensors together. */
function relErr(a: tf.Tensor[], b: tf.Tensor[]): number {
  let diff = 0;
  let scale = 0;
  a.forEach((t, i) => {
    const x = t.dataSync();
    const y = b[i].dataSync();
    for (let j = 0; j < y.length; j++) {
      diff = Math.max(diff, Math.abs(x[j] - y[j]));
      scale = Math.max(scale, Math.abs(y[j]));
    }
  });
  return diff / Math.max(scale, 1e-12);
}

describe('data-parallel gradient engine', () => {
  const engines: ParallelGradientEngine[] = [];
  let model: tf.LayersModel;
  let x: tf.Tensor4D;
  let y: tf.Tensor4D;
  beforeAll(async () => {
    await initBackend('wasm', { log: () => {} });
    model = buildModel(config);
    // Move the weights off their initial values so the workers provably use the coordinator's.
    tf.tidy(() =>
      model.trainableWeights.forEach((w, i) => w.write(tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.01, 'float32', i)))),
    );
    x = tf.randomUniform([5, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    y = tf.cast(tf.greater(tf.randomUniform([5, 16, 16, 1], 0, 1, 'float32', 2), 0.7), 'float32') as tf.Tensor4D;
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.dispose()));
  });

  const stats = () => model.nonTrainableWeights.map((w) => w.read().clone());
  const restore = (s: tf.Tensor[]) => model.nonTrainableWeights.forEach((w, i) => w.write(s[i]));

  /** Local GradientFn on rows [start, start+count), BN statistics restored afterwards. */
  async function local(start: number, count: number) {
    const before = stats();
    const xs = x.slice(start, count);
    const ys = y.slice(start, count);
    const r = await localGradientFn(model, (a, b) => bceDiceLoss(a, b))({ x: xs, y: ys });
    const after = stats();
    restore(before);
    tf.dispose([xs, ys, ...before]);
    return { ...r, stats: after };
  }

  it('splits rows evenly without empty shards', () => {
    expect(splitRows(8, 2)).toEqual([
      { start: 0, count: 4 },
      { start: 4, count: 4 },
    ]);
    expect(splitRows(5, 2)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 2 },
    ]);
    expect(splitRows(1, 3)).toEqual([{ start: 0, count: 1 }]);
  });

  it('one worker reproduces the single-thread gradients and BN statistics', async () => {
    const ref = await local(0, 5);
    const engine = createParallelGradientFn(model, config, { workers: 1 });
    engines.push(engine);
    const before = stats();
    const got = await engine.gradFn({ x, y });
    expect(got.grads.map((g) => g.shape)).toEqual(model.trainableWeights.map((w) => w.shape));
    expect(got.loss).toBeCloseTo(ref.loss, 5);
    expect(relErr(got.grads, ref.grads)).toBeLessThan(1e-5);
    expect(relErr(stats(), ref.stats)).toBeLessThan(1e-5);
    restore(before);
    tf.dispose([...got.grads, ...ref.grads, ...ref.stats, ...before]);
  });

  it('two workers give the row-weighted average of the two halves', async () => {
    const a = await local(0, 3);
    const b = await local(3, 2);
    const want = a.grads.map((g, i) => tf.add(tf.mul(g, 3 / 5), tf.mul(b.grads[i], 2 / 5)));
    const wantStats = a.stats.map((s, i) => tf.add(tf.mul(s, 3 / 5), tf.mul(b.stats[i], 2 / 5)));
    const engine = createParallelGradientFn(model, config, { workers: 2 });
    engines.push(engine);
    const before = stats();
    const got = await engine.gradFn({ x, y });
    expect(got.loss).toBeCloseTo(0.6 * a.loss + 0.4 * b.loss, 5);
    expect(relErr(got.grads, want)).toBeLessThan(1e-5);
    expect(relErr(stats(), wantStats)).toBeLessThan(1e-5);
    restore(before);
    tf.dispose([...got.grads, ...a.grads, ...b.grads, ...a.stats, ...b.stats, ...want, ...wantStats, ...before]);
  });

  it('predict over two workers equals model.predict, and reuses weights until one changes', async () => {
    const engine = engines[1];
    const want = model.predict(x) as tf.Tensor;
    const got = await engine.predict(x);
    expect(got.shape).toEqual([5, 16, 16, 1]);
    expect(relErr([got], [want])).toBeLessThan(1e-5);
    // A changed weight must reach the workers.
    const w0 = model.trainableWeights[0];
    const old = w0.read().clone();
    tf.tidy(() => {
      w0.write(tf.mul(w0.read(), 1.5));
    });
    const want2 = model.predict(x) as tf.Tensor;
    const got2 = await engine.predict(x);
    expect(relErr([got2], [want2])).toBeLessThan(1e-5);
    w0.write(old);
    tf.dispose([want, got, want2, got2, old]);
  });

  it('rejects a model config that does not match the coordinator model', async () => {
    const other = modelPreset('reference', { inputSize: 16, widthMultiplier: 0.5 });
    const engine = createParallelGradientFn(model, other, { workers: 1 });
    engines.push(engine);
    await expect(engine.ready).rejects.toMatchObject({ code: 'mismatch' });
  });
});
