import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/node/compute/backend';
import { toBatch } from '../../../../src/node/train/batches';
import { generatePhantoms } from '../../../../src/shared/data/phantoms';
import { preprocess } from '../../../../src/shared/data/preprocess';
import { buildModel } from '../../../../src/shared/model/build';
import { modelPreset } from '../../../../src/shared/model/config';
import { localGradientFn } from '../../../../src/shared/train/gradients';
import { defaultLoss } from '../../../../src/shared/train/loss';
import { createOptimizer } from '../../../../src/shared/train/optimizers';
import { createRng } from '../../../../src/shared/rng';

describe('ResNet-50-UNet on the portable backend', () => {
  it('trains a few steps at 128x128, batch 1, without leaking tensors', async () => {
    const backend = await initBackend('wasm', { log: () => undefined });
    expect(backend.name).toBe('wasm');
    const model = buildModel(modelPreset('resnet50-unet'));
    const optimizer = createOptimizer(model, { method: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 1e-4, varLambda: 1e-5 }, createRng(1));
    const gradFn = localGradientFn(model, defaultLoss);
    const ds = generatePhantoms({ count: 1, slicesPerCase: 3, size: 128, seed: 1 });
    const samples = preprocess(await ds.slices(ds.cases[0].id), { size: 128, channels: 3 });

    const counts: number[] = [];
    const seconds: number[] = [];
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const batch = toBatch([samples[i]], 128, 3);
      const t = performance.now();
      const r = await optimizer.step(gradFn, batch, 0.01);
      seconds.push((performance.now() - t) / 1000);
      batch.x.dispose();
      batch.y.dispose();
      losses.push(r.loss);
      counts.push(tf.memory().numTensors);
    }
    console.log(
      `resnet50-unet 128x128 batch 1 on ${backend.detail}: step seconds ${seconds.map((s) => s.toFixed(1)).join(', ')}; tensors ${counts.join(', ')}`,
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    // The first step creates nothing that later steps do not: the live tensor count is flat.
    expect(counts[2]).toBe(counts[1]);
    expect(counts[1]).toBe(counts[0]);
    optimizer.dispose();
    model.dispose();
  }, 600_000);
});
