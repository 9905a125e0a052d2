import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import type { Rng } from '../rng';
import { isPrunableShape, shapeOf } from '../model/weights';
import type { Batch, GradientFn } from './gradients';
import { globalMagnitudeThreshold } from './topk';
import { ascentMatters, parseOptimizerConfig, type OptimizerConfig, type OptimizerConfigInput } from './optimizerConfig';
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
 * One optimizer for all four methods. The objective is F(w) = L(w) + lambda * psi(w) (VAR on
 * the rank>1 kernels, var.ts); the methods differ only in WHERE its gradient is taken. With
 * G(w) = dL/dw (from `gradFn`, at the current variable values) + dlambda*psi/dw:
 *   sgd:   g* = G(w)
 *   sam:   e = rho G(w) / ||G(w)||  (global L2 norm over all trainable weights); g* = G(w + e)
 *   cram:  w' = C_s(w + rho G(w)) (no normalisation; C_s = global top-k magnitude
 *          compression of the rank>1 kernels at sparsity s drawn from cramSparsities;
 *          other weights are ascended but not compressed); g* = G(w')
 *   cram+: g* = G(w') + G(w)
 * That is `ascent: 'objective'` (the default). `ascent: 'data'` ascends and evaluates with the
 * data gradient only and adds VAR's gradient at w once: g* = g(w*) [+ g(w) for cram+] +
 * dlambda*psi/dw(w). Both are the same when lambda = 0.
 * The weights are restored exactly (saved copy) after a perturbed evaluation, and so are
 * the BatchNorm moving statistics: the perturbed forward pass must not pollute them.
 *
 * Then, at the restored w, weight decay joins as in PyTorch SGD (not part of the ascent), on
 * the rank>1 kernels only (never biases, never BN):
 *   d = g* + [rank>1] weightDecay * w
 * Momentum as in PyTorch SGD:
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
    const bad = grads.length !== weights.length || grads.some((g, i) => g.size !== w(i).size || g.rank !== weights[i].shape.length);
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

  /** lambda * psi and its gradients at the kernels' CURRENT values (zeros and 0 when VAR is off). */
  async function varAtCurrent(): Promise<{ value: number; grads: tf.Tensor[] }> {
    const { penalty, grads } = varPenaltyAndGradients(
      kernelIdx.map((i) => w(i)),
      config.varLambda,
    );
    const value = config.varLambda === 0 ? 0 : (await penalty.data())[0];
    penalty.dispose();
    return { value, grads };
  }

  /** Adds the VAR gradients (one per kernel, in kernelIdx order) to a full gradient list; disposes both inputs. */
  function withVar(grads: tf.Tensor[], varGrads: tf.Tensor[]): tf.Tensor[] {
    const out = tf.tidy(() => {
      let k = 0;
      return grads.map((g, i) => (prunable[i] ? tf.add(g, varGrads[k++]) : tf.clone(g)));
    });
    tf.dispose([...grads, ...varGrads]);
    return out;
  }

  /**
   * The gradient at the ascended (and for CrAM compressed) weights, from the ascent direction
   * `dir`; with `objectiveVar` the VAR gradient at those weights is included. Weights and
   * BatchNorm statistics are restored before it returns, also on failure.
   */
  async function perturbedGrads(dir: tf.Tensor[], batch: Batch, gradFn: GradientFn, objectiveVar: boolean): Promise<tf.Tensor[]> {
    const saved = values().map((v) => tf.clone(v));
    const savedStats = model.nonTrainableWeights.map((v) => tf.clone(v.read()));
    try {
      let ascended: tf.Tensor[];
      if (config.method === 'sam') {
        ascended = tf.tidy(() => {
          const sq = tf.addN(dir.map((g) => tf.sum(tf.square(g))));
          const scale = tf.div(config.rho, tf.add(tf.sqrt(sq), 1e-12));
          return saved.map((v, i) => tf.add(v, tf.mul(scale, dir[i])));
        });
      } else {
        ascended = tf.tidy(() => saved.map((v, i) => tf.add(v, tf.mul(config.rho, dir[i]))));
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
      if (!objectiveVar) return second.grads;
      let varThere: tf.Tensor[];
      try {
        varThere = (await varAtCurrent()).grads;
      } catch (e) {
        second.grads.forEach((g) => g.dispose());
        throw e;
      }
      return withVar(second.grads, varThere);
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
      let atW: { value: number; grads: tf.Tensor[] };
      try {
        atW = await varAtCurrent();
      } catch (e) {
        first.grads.forEach((g) => g.dispose());
        throw e;
      }
      // SGD and the data ascent add VAR's gradient at w in the update itself (after weight decay,
      // the order the studio always used, so those paths stay bit-identical); the objective
      // ascent of SAM / CrAM carries it inside G.
      const useVar = config.varLambda > 0;
      const varInAscent = ascentMatters(config) && config.ascent === 'objective';
      const lateVar: tf.Tensor[] | null = useVar && !varInAscent ? atW.grads : null;
      if (!lateVar && !varInAscent) atW.grads.forEach((g) => g.dispose());
      let direction: tf.Tensor[];
      if (config.method === 'sgd') {
        direction = first.grads;
      } else {
        const g = varInAscent ? withVar(first.grads, atW.grads) : first.grads;
        let second: tf.Tensor[];
        try {
          second = await perturbedGrads(g, batch, gradFn, varInAscent);
        } catch (e) {
          tf.dispose([...g, ...(lateVar ?? [])]);
          throw e;
        }
        if (config.method === 'cram+') {
          direction = tf.tidy(() => second.map((s2, i) => tf.add(s2, g[i])));
          second.forEach((t) => t.dispose());
        } else {
          direction = second;
        }
        g.forEach((t) => t.dispose());
      }

      tf.tidy(() => {
        let k = 0;
        weights.forEach((wv, i) => {
          const cur = wv.read();
          let d: tf.Tensor = direction[i];
          if (prunable[i]) {
            if (config.weightDecay > 0) d = tf.add(d, tf.mul(config.weightDecay, cur));
            if (lateVar) d = tf.add(d, lateVar[k]);
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
      lateVar?.forEach((t) => t.dispose());
      direction.forEach((g) => g.dispose());
      return { loss: first.loss, varPenalty: atW.value };
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
