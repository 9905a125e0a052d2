/**
 * Training on wasm (with the added kernels) must not leak tensors: the live tensor count is the
 * same after every step, for the single-thread GradientFn and for the data-parallel one
 * (coordinator and workers).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/node/compute/backend';
import { createParallelGradientFn, type ParallelGradientEngine } from '../../../../src/node/compute/parallel';
import { buildModel, modelPreset } from '../../../../src/shared/model';
import { createRng } from '../../../../src/shared/rng';
import { bceDiceLoss, createOptimizer, localGradientFn, type GradientFn } from '../../../../src/shared/train';

const config = modelPreset('reference', { inputSize: 16, widthMultiplier: 0.25 });

function batch(n: number) {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D,
    y: tf.cast(tf.greater(tf.randomUniform([n, 16, 16, 1], 0, 1, 'float32', 4), 0.7), 'float32') as tf.Tensor4D,
  }));
}

async function countsPerStep(
  gradFn: GradientFn,
  model: tf.LayersModel,
  method: 'sgd' | 'sam' | 'cram+',
  steps: number,
  ascent: 'objective' | 'data' = 'objective',
) {
  const optimizer = createOptimizer(
    model,
    { method, lr: 0.01, momentum: 0.9, varLambda: 1e-5, ascent, cramSparsities: method === 'sgd' ? [] : [0.5, 0.9] },
    createRng(1),
  );
  const b = batch(3);
  const counts: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const r = await optimizer.step(gradFn, b, 0.01);
    losses.push(r.loss);
    counts.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  tf.dispose([b.x, b.y]);
  return { counts, losses };
}

describe('no tensor leaks while training on wasm', () => {
  let engine: ParallelGradientEngine | undefined;
  beforeAll(async () => {
    const info = await initBackend('wasm', { log: () => {} });
    expect(info.name).toBe('wasm');
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  it('single thread: SGD+VAR, SAM+VAR and CrAM+ +VAR steps (VAR in the ascent, and the data ascent) keep numTensors constant', async () => {
    const model = buildModel(config);
    for (const [method, ascent] of [
      ['sgd', 'objective'],
      ['sam', 'objective'],
      ['cram+', 'objective'],
      ['sam', 'data'],
    ] as const) {
      const { counts, losses } = await countsPerStep(
        localGradientFn(model, (a, b) => bceDiceLoss(a, b)),
        model,
        method,
        3,
        ascent,
      );
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(new Set(counts).size).toBe(1);
    }
    model.dispose();
  });

  it('data-parallel (2 workers): coordinator and workers keep numTensors constant', async () => {
    const model = buildModel(config);
    engine = createParallelGradientFn(model, config, { workers: 2 });
    await engine.ready;
    const workerCounts: number[][] = [];
    const probe: GradientFn = async (b) => {
      const r = await engine!.gradFn(b);
      workerCounts.push(engine!.workerTensors());
      return r;
    };
    const { counts, losses } = await countsPerStep(probe, model, 'sgd', 4);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(new Set(counts).size).toBe(1);
    expect(new Set(workerCounts.map((c) => c.join(','))).size).toBe(1);
    model.dispose();
  });
});
