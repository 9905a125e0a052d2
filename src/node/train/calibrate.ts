/**
 * The time estimate of the pre-flight: a few real optimizer steps of the run's own model, method
 * and batch size on random inputs, timed on this machine now. One thread; the caller scales by
 * the gradient workers (two workers measured at about half the wall time per step, see README).
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../shared/model/build';
import { createRng } from '../../shared/rng';
import type { RunConfig } from '../../shared/run/config';
import { localGradientFn } from '../../shared/train/gradients';
import { defaultLoss } from '../../shared/train/loss';
import { createOptimizer } from '../../shared/train/optimizers';
import { initBackend } from '../compute/backend';

export interface Calibration {
  /** Median wall time of one optimizer step (one thread), ms. */
  msPerStep: number;
  /** Timed steps (after one warm-up step). */
  steps: number;
  backend: string;
}

export async function calibrateStep(config: RunConfig, steps = 2): Promise<Calibration> {
  const backend = await initBackend(config.backend);
  const model = buildModel(config.model);
  const optimizer = createOptimizer(model, config.optimizer, createRng(1));
  const gradFn = localGradientFn(model, defaultLoss);
  const { inputSize: s, inChannels: c } = config.model;
  const times: number[] = [];
  try {
    for (let i = 0; i <= steps; i++) {
      const batch = {
        x: tf.randomUniform([config.batchSize, s, s, c]) as tf.Tensor4D,
        y: tf.randomUniform([config.batchSize, s, s, 1]).round() as tf.Tensor4D,
      };
      const t0 = performance.now();
      try {
        await optimizer.step(gradFn, batch, config.optimizer.lr * 1e-3);
      } finally {
        batch.x.dispose();
        batch.y.dispose();
      }
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  times.sort((a, b) => a - b);
  return { msPerStep: times[Math.floor(times.length / 2)], steps, backend: backend.name };
}
