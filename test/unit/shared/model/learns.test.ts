/**
 * Regression: the ResNet-18-UNet must learn the phantom lesions from mixed slices (about half
 * of them without lesion), as in a real run. With a zero head bias (p = 0.5 everywhere at the
 * start) the per-image soft Dice of the empty slices drove it into predicting no lesion
 * anywhere within the first steps, and it never left (64 px runs: val Dice 0.625 = only the
 * empty slices right, for 8 epochs). The head now starts at the foreground prior HEAD_PRIOR.
 * Seeded, on the wasm backend: the same numbers every run (~10 s).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/node/compute/backend';
import { generatePhantoms } from '../../../../src/shared/data/phantoms';
import { loadSamples } from '../../../../src/shared/data/preprocess';
import { buildModel, HEAD_PRIOR } from '../../../../src/shared/model/build';
import { modelPreset } from '../../../../src/shared/model/config';
import { createRng } from '../../../../src/shared/rng';
import { localGradientFn } from '../../../../src/shared/train/gradients';
import { defaultLoss } from '../../../../src/shared/train/loss';
import { createOptimizer } from '../../../../src/shared/train/optimizers';

describe('ResNet-18-UNet learns the phantom lesions', () => {
  it('starts at the foreground prior and fits 64 mixed phantom slices (width 1/8, 32 px) to Dice > 0.8', async () => {
    await initBackend('wasm', { log: () => undefined });
    const size = 32;
    const px = size * size;
    const ds = generatePhantoms({ count: 4, slicesPerCase: 16, size: 64, seed: 1 });
    const samples = await loadSamples(
      ds,
      ds.cases.map((c) => c.id),
      { size, channels: 3 },
    );
    const n = samples.length;
    const withLesion = samples.filter((s) => s.mask.some((v) => v)).length;
    expect(withLesion).toBeGreaterThan(n / 4);
    expect(withLesion).toBeLessThan((3 * n) / 4);
    const xb = new Float32Array(n * px * 3);
    const yb = new Float32Array(n * px);
    samples.forEach((s, i) => {
      xb.set(s.image, i * px * 3);
      for (let k = 0; k < px; k++) yb[i * px + k] = s.mask[k] ? 1 : 0;
    });
    const X = tf.tensor4d(xb, [n, size, size, 3]);
    const Y = tf.tensor4d(yb, [n, size, size, 1]);

    const model = buildModel(modelPreset('resnet18-unet', { widthMultiplier: 1 / 8, inputSize: size }));
    // Before any step: the head predicts the prior, not 0.5.
    const p0 = tf.tidy(() => tf.mean(model.predict(X.slice([0, 0, 0, 0], [8, size, size, 3])) as tf.Tensor).dataSync()[0]);
    expect(p0).toBeLessThan(0.1);
    expect(HEAD_PRIOR).toBeLessThan(0.1);

    const optimizer = createOptimizer(model, { method: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, createRng(1));
    const gradFn = localGradientFn(model, defaultLoss);
    const rng = createRng(2);
    let order: number[] = [];
    for (let step = 0; step < 250; step++) {
      if (order.length < 8) order = order.concat(rng.shuffle(Array.from({ length: n }, (_, i) => i)));
      const idx = tf.tensor1d(order.splice(0, 8), 'int32');
      const x = tf.gather(X, idx) as tf.Tensor4D;
      const y = tf.gather(Y, idx) as tf.Tensor4D;
      idx.dispose();
      await optimizer.step(gradFn, { x, y }, 0.05);
      x.dispose();
      y.dispose();
    }
    // Pooled Dice of the thresholded predictions (BatchNorm in inference mode) over all slices.
    const pred = tf.tidy(() => tf.cast(tf.greater(model.predict(X) as tf.Tensor, 0.5), 'float32'));
    const pv = pred.dataSync();
    let inter = 0;
    let sum = 0;
    for (let i = 0; i < pv.length; i++) {
      inter += pv[i] * yb[i];
      sum += pv[i] + yb[i];
    }
    const dice = (2 * inter) / sum;
    pred.dispose();
    X.dispose();
    Y.dispose();
    optimizer.dispose();
    model.dispose();
    expect(dice).toBeGreaterThan(0.8);
  });
});
