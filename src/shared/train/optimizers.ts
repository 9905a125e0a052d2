import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import type { Rng } from '../rng';
import { isPrunableShape, shapeOf } from '../model/weights';
import type { Batch, GradientFn } from './gradients';
import { globalMagnitudeThreshold } from './topk';
import { parseOptimizerConfig, type OptimizerConfig, type OptimizerConfigInput } from './optimizerConfig';
import { varPenaltyAndGradients } from './var';

export * from './optimizerConfig';

export interface StepResult {
  /** Data loss at the weights before the step (first gradient evaluation). */
  loss: number;
  /** lambda * psi at the weights before the step (0 when VAR is off). */
  varPenalty: number;
}

/** Named Float32 buffers (momentum), for checkpoints. */
export interface OptimizerStateEntry {
  name: string;
  values: Float32Array;
}

export interface TrainOptimizer {
  readonly config: OptimizerConfig;
  step(gradFn: GradientFn, batch: Batch, lr: number): Promise<StepResult>;
  getState(): Promise<OptimizerStateEntry[]>;
  setState(state: readonly OptimizerStateEntry[]): void;
  dispose(): void;
}

/**
 * One optimizer for all four methods; they differ only in WHERE the data gradient g* is
 * taken (all gradients from `gradFn`, at the current variable values):
 *   sgd:   g* = g(w)
 *   sam:   e = rho g(w) / ||g(w)||  (global L2 norm over all trainable weights); g* = g(w + e)
 *   cram:  w' = C_s(w + rho g(w)) (no normalisation; C_s = global top-k magnitude
 *          compression of the rank>1 kernels at sparsity s drawn from cramSparsities;
 *          other weights are ascended but not compressed); g* = g(w')
 *   cram+: g* = g(w') + g(w)
 * The weights are restored exactly (saved copy) after a perturbed evaluation, and so are
 * the BatchNorm moving statistics: the perturbed forward pass must not pollute them.
 *
 * Then, at the restored w, for every trainable weight:
 *   d = g* + [rank>1] (weightDecay * w + lambda * dpsi/dw)
 * i.e. weight decay and VAR act on conv/dense kernels only (never biases, never BN), and VAR
 * enters the final direction only, not the SAM/CrAM ascent. Momentum as in PyTorch SGD:
 *   v = momentum * v + d;   w -= lr * (nesterov ? d + momentum * v : v)
 * (with momentum 0: w -= lr * d).
 */
export function createOptimizer(model: tf.LayersModel, rawConfig: OptimizerConfigInput, rng: Rng): TrainOptimizer {
  const config = parseOptimizerConfig(rawConfig);
  const weights = model.trainableWeights;
  const prunable = weights.map((w) => isPrunableShape(w.shape));
  const kernelIdx = prunable.flatMap((p, i) => (p ? [i] : []));
  const names = weights.map((w, i) => `momentum/${i}/${w.originalName ?? w.name}`);
  const useMomentum = config.momentum > 0;
  let velocity: tf.Variable[] | null = useMomentum
    ? // tf.variable copies nothing: without tidy the zeros tensor outlives dispose() and pins a model-sized buffer.
      tf.tidy(() => weights.map((w) => tf.variable(tf.zeros(shapeOf(w)), false)))
    : null;

  const values = () => weights.map((w) => w.read());

  function checkGrads(grads: tf.Tensor[]): void {
    const bad =
      grads.length !== weights.length ||
      grads.some((g, i) => g.size !== w(i).size || g.rank !== weights[i].shape.length);
    if (bad) {
      grads.forEach((g) => g.dispose());
      throw new StudioError({
        code: 'internal',
        what: `The gradient function returned ${grads.length} gradients that do not match the model's ${weights.length} trainable weights`,
        hint: 'A GradientFn must return one gradient per model.trainableWeights entry, in the same order',
      });
    }
  }
  const w = (i: number) => weights[i].read();

  async function perturbedGrads(first: tf.Tensor[], batch: Batch, gradFn: GradientFn): Promise<tf.Tensor[]> {
    const saved = values().map((v) => tf.clone(v));
    const savedStats = model.nonTrainableWeights.map((v) => tf.clone(v.read()));
    try {
      let ascended: tf.Tensor[];
      if (config.method === 'sam') {
        ascended = tf.tidy(() => {
          const sq = tf.addN(first.map((g) => tf.sum(tf.square(g))));
          const scale = tf.div(config.rho, tf.add(tf.sqrt(sq), 1e-12));
          return saved.map((v, i) => tf.add(v, tf.mul(scale, first[i])));
        });
      } else {
        ascended = tf.tidy(() => saved.map((v, i) => tf.add(v, tf.mul(config.rho, first[i]))));
        const sparsity = config.cramSparsities[rng.int(config.cramSparsities.length)];
        const arrays = await Promise.all(kernelIdx.map((i) => ascended[i].data() as Promise<Float32Array>));
        const threshold = globalMagnitudeThreshold(arrays, sparsity);
        for (const i of kernelIdx) {
          const a = ascended[i];
          ascended[i] = tf.tidy(() => tf.where(tf.greater(tf.abs(a), threshold), a, tf.zerosLike(a)));
          a.dispose();
        }
      }
      weights.forEach((wv, i) => wv.write(ascended[i]));
      ascended.forEach((t) => t.dispose());
      const second = await gradFn(batch);
      checkGrads(second.grads);
      return second.grads;
    } finally {
      weights.forEach((wv, i) => wv.write(saved[i]));
      model.nonTrainableWeights.forEach((wv, i) => wv.write(savedStats[i]));
      saved.forEach((t) => t.dispose());
      savedStats.forEach((t) => t.dispose());
    }
  }

  return {
    config,
    async step(gradFn, batch, lr) {
      if (!velocity && useMomentum) {
        throw new StudioError({ code: 'internal', what: 'The optimizer was used after dispose()', hint: 'Create a new optimizer' });
      }
      const first = await gradFn(batch);
      checkGrads(first.grads);
      let direction: tf.Tensor[];
      if (config.method === 'sgd') {
        direction = first.grads;
      } else {
        let second: tf.Tensor[];
        try {
          second = await perturbedGrads(first.grads, batch, gradFn);
        } catch (e) {
          first.grads.forEach((g) => g.dispose());
          throw e;
        }
        if (config.method === 'cram+') {
          direction = tf.tidy(() => second.map((g, i) => tf.add(g, first.grads[i])));
          second.forEach((g) => g.dispose());
        } else {
          direction = second;
        }
        first.grads.forEach((g) => g.dispose());
      }

      const kernels = kernelIdx.map((i) => w(i));
      const { penalty, grads: varGrads } = varPenaltyAndGradients(kernels, config.varLambda);
      const penaltyValue = config.varLambda === 0 ? 0 : (await penalty.data())[0];
      penalty.dispose();

      tf.tidy(() => {
        let k = 0;
        weights.forEach((wv, i) => {
          const cur = wv.read();
          let d: tf.Tensor = direction[i];
          if (prunable[i]) {
            if (config.weightDecay > 0) d = tf.add(d, tf.mul(config.weightDecay, cur));
            if (config.varLambda > 0) d = tf.add(d, varGrads[k]);
            k++;
          }
          let update = d;
          if (velocity) {
            const v = tf.add(tf.mul(config.momentum, velocity[i]), d);
            velocity[i].assign(v);
            update = config.nesterov ? tf.add(d, tf.mul(config.momentum, v)) : v;
          }
          wv.write(tf.sub(cur, tf.mul(lr, update)));
        });
      });
      direction.forEach((g) => g.dispose());
      varGrads.forEach((g) => g.dispose());
      return { loss: first.loss, varPenalty: penaltyValue };
    },

    async getState() {
      if (!velocity) return [];
      const values = await Promise.all(velocity.map((v) => v.data() as Promise<Float32Array>));
      return values.map((v, i) => ({ name: names[i], values: Float32Array.from(v) }));
    },

    setState(state) {
      if (!velocity) {
        if (state.length === 0) return;
        throw new StudioError({
          code: 'mismatch',
          what: 'The checkpoint has momentum buffers but this optimizer uses no momentum',
          hint: 'Resume with the optimizer config the run was started with',
        });
      }
      const byName = new Map(state.map((s) => [s.name, s]));
      velocity.forEach((v, i) => {
        const s = byName.get(names[i]);
        if (!s || s.values.length !== v.size) {
          throw new StudioError({
            code: 'mismatch',
            what: `Optimizer state "${names[i]}" is ${s ? `of size ${s.values.length}, expected ${v.size}` : 'missing'}`,
            hint: 'Resume with the model and optimizer config the run was started with',
          });
        }
      });
      tf.tidy(() => velocity!.forEach((v, i) => v.assign(tf.tensor(byName.get(names[i])!.values, v.shape))));
    },

    dispose() {
      velocity?.forEach((v) => v.dispose());
      velocity = null;
    },
  };
}
