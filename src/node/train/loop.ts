import type * as tf from '@tensorflow/tfjs';
import type { Sample } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import { prunableWeights } from '../../shared/model/weights';
import type { Rng } from '../../shared/rng';
import type { RunConfig } from '../../shared/run/config';
import type { WeightStats } from '../../shared/run/record';
import { augmentPair } from '../../shared/train/augment';
import type { GradientFn } from '../../shared/train/gradients';
import type { TrainOptimizer } from '../../shared/train/optimizers';
import { learningRate } from '../../shared/train/schedule';
import { chunk, sampleArrays, toBatch, type SampleArrays } from './batches';
import type { ProgressMeter } from './progress';
import { validationScore, type ValidationScore } from './validate';
import { weightStats } from './weightStats';
import { assertBackendHealthy } from '../compute/backend';

/** The seeded streams whose positions a checkpoint stores. */
export interface RunRngs {
  shuffle: Rng;
  augment: Rng;
  optimizer: Rng;
}

export interface EpochContext {
  config: RunConfig;
  model: tf.LayersModel;
  optimizer: TrainOptimizer;
  gradFn: GradientFn;
  train: Sample[];
  rngs: RunRngs;
  meter: ProgressMeter;
  signal?: AbortSignal;
}

export interface EpochSteps {
  cancelled: boolean;
  /** Optimizer steps taken over the whole run after this epoch. */
  globalStep: number;
  steps: number;
  images: number;
  meanLoss: number;
  meanVarPenalty: number;
  lastLr: number;
  seconds: number;
}

export function stepsPerEpoch(trainCount: number, batchSize: number): number {
  return Math.ceil(trainCount / batchSize);
}

/**
 * One epoch of optimizer steps. The order of draws is fixed (shuffle once, then per sample
 * four augmentation numbers in batch order) so the streams replay exactly after a resume.
 * A cancel takes effect before the next step (checked after yielding to the event loop); the partial epoch is then discarded by the caller
 * (the checkpoint stays at the end of the previous epoch).
 */
export async function runEpochSteps(ctx: EpochContext, epoch: number, globalStepAtStart: number): Promise<EpochSteps> {
  const { config, optimizer, gradFn, train, rngs, meter, signal } = ctx;
  const size = config.model.inputSize;
  const channels = config.model.inChannels;
  const perEpoch = stepsPerEpoch(train.length, config.batchSize);
  const totalSteps = perEpoch * config.epochs;
  const order = rngs.shuffle.shuffle(Array.from({ length: train.length }, (_, i) => i));
  const t0 = performance.now();
  let globalStep = globalStepAtStart;
  let lossSum = 0;
  let penaltySum = 0;
  let images = 0;
  let lastLr = 0;
  const batches = chunk(order, config.batchSize);
  for (let b = 0; b < batches.length; b++) {
    // Let queued messages run (a worker's cancel arrives as one) so a cancel takes effect at
    // the next step, not at the end of the epoch. Consumes no random numbers: resume-exact.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted)
      return {
        cancelled: true,
        globalStep,
        steps: b,
        images,
        meanLoss: NaN,
        meanVarPenalty: NaN,
        lastLr,
        seconds: (performance.now() - t0) / 1000,
      };
    const items: SampleArrays[] = sampleArrays(train, batches[b]).map((s) =>
      config.augment ? augmentPair(s.image, s.mask, { height: size, width: size, channels }, rngs.augment, config.augment) : s,
    );
    const batch = toBatch(items, size, channels);
    const lr = learningRate(globalStep, totalSteps, config.optimizer.lr, config.schedule);
    let result: { loss: number; varPenalty: number };
    try {
      result = await optimizer.step(gradFn, batch, lr);
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
    // A GPU that lost its device or reported an error computed garbage: stop before it is kept.
    assertBackendHealthy();
    if (!Number.isFinite(result.loss) || !Number.isFinite(result.varPenalty)) {
      throw new StudioError({
        code: 'bad-input',
        what: `Training diverged: the ${Number.isFinite(result.loss) ? 'VAR penalty' : 'loss'} is ${Number.isFinite(result.loss) ? result.varPenalty : result.loss} at step ${globalStep + 1} (epoch ${epoch + 1}, lr ${lr.toPrecision(3)})`,
        hint: 'Lower the learning rate or varLambda, or add warm-up; resuming restarts from the last good epoch',
      });
    }
    globalStep++;
    lossSum += result.loss;
    penaltySum += result.varPenalty;
    images += items.length;
    lastLr = lr;
    meter.step({ epoch, step: globalStep, images: items.length, loss: result.loss, lr, force: b === batches.length - 1 });
  }
  const steps = batches.length;
  return {
    cancelled: false,
    globalStep,
    steps,
    images,
    meanLoss: steps ? lossSum / steps : NaN,
    meanVarPenalty: steps ? penaltySum / steps : 0,
    lastLr,
    seconds: (performance.now() - t0) / 1000,
  };
}

export async function modelWeightStats(model: tf.LayersModel): Promise<WeightStats> {
  const pw = prunableWeights(model);
  const values = await Promise.all(pw.map((p) => p.variable.read().data() as Promise<Float32Array>));
  return weightStats(pw.map((p, i) => ({ name: p.layerName, values: values[i] })));
}

export async function evaluateEpoch(config: RunConfig, model: tf.LayersModel, val: Sample[]): Promise<ValidationScore> {
  return validationScore(model, val, config.batchSize, config.model.inputSize, config.model.inChannels);
}
