import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceDiceLoss } from '../../../../src/shared/train/loss';
import { createOptimizer } from '../../../../src/shared/train/optimizers';
import { modelVarPenalty, psiJs, psiLayer, varGradients, varPenalty, varPenaltyAndGradients } from '../../../../src/shared/train/var';
import { createRng } from '../../../../src/shared/rng';
import { getWeightArrays, prunableWeights } from '../../../../src/shared/model/weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('VAR penalty', () => {
  it('matches a hand-computed value', () => {
    // Layer A: w = [3,-1,1,-3] -> w~ = [3,1,1,3] (r = 1e-8 changes w~ by < 2e-9), mean 2, Var 1.
    //   psi_A = 1 / (1 + 1e-8).
    // Layer B: w = [[0.5,-0.5],[0,0]] -> w~ = [0.5, 0.5, 1e-4, 1e-4], mean 0.25005,
    //   deviations +-0.24995, Var = 0.24995^2 = 0.0624750025, psi_B = 1/(Var + 1e-8) = 16.00639936...
    const psiA = 1 / (1 + 1e-8);
    const psiB = 1 / (0.24995 ** 2 + 1e-8);
    expect(psiB).toBeCloseTo(16.0063994, 6);
    const a = tf.tensor2d([
      [3, -1],
      [1, -3],
    ]);
    const b = tf.tensor4d([0.5, -0.5, 0, 0], [1, 1, 2, 2]);
    const lambda = 1e-2;
    const value = varPenalty([a, b], lambda).dataSync()[0];
    expect(value).toBeCloseTo(lambda * (psiA + psiB), 5);
    // The hand value ignores r inside w~ of the non-zero weights (a ~1e-7 relative effect).
    expect(
      psiJs([
        [3, -1, 1, -3],
        [0.5, -0.5, 0, 0],
      ]),
    ).toBeCloseTo(psiA + psiB, 5);
    expect(psiLayer(b).dataSync()[0]).toBeCloseTo(psiB, 3);
    tf.dispose([a, b]);
  });

  it('closed-form gradient matches central finite differences (float64 JS) and tf autodiff', () => {
    const rng = createRng(11);
    const layers = [Array.from({ length: 18 }, () => 0.1 * rng.normal()), Array.from({ length: 8 }, () => 0.5 * rng.normal())];
    layers[0][3] = 0; // the smooth |w| must be differentiable at 0 too
    const lambda = 1e-3;
    const tensors = [tf.tensor4d(layers[0], [3, 3, 1, 2]), tf.tensor2d(layers[1], [4, 2])];
    const closed = varGradients(tensors, lambda).map((g) => Array.from(g.dataSync()));
    const auto = tf
      .grads((x: tf.Tensor, y: tf.Tensor) => varPenalty([x, y], lambda))(tensors)
      .map((g) => Array.from(g.dataSync()));
    layers.forEach((layer, l) => {
      layer.forEach((_, i) => {
        const h = 1e-6 * Math.max(1e-3, Math.abs(layer[i]));
        const plus = layers.map((x) => [...x]);
        const minus = layers.map((x) => [...x]);
        plus[l][i] += h;
        minus[l][i] -= h;
        const fd = (lambda * (psiJs(plus) - psiJs(minus))) / (2 * h);
        const scale = Math.max(...closed[l].map(Math.abs));
        expect(Math.abs(closed[l][i] - fd)).toBeLessThan(2e-3 * scale);
        expect(Math.abs(auto[l][i] - fd)).toBeLessThan(2e-3 * scale);
      });
    });
    tf.dispose(tensors);
  });

  it('lambda = 0 gives exactly the plain loss and zero gradients', () => {
    const y = tf.tensor4d([1, 0, 0, 1], [1, 2, 2, 1]);
    const p = tf.tensor4d([0.9, 0.2, 0.4, 0.7], [1, 2, 2, 1]);
    const k = tf.tensor2d([
      [0.3, -0.2],
      [0.1, 0.05],
    ]);
    const plain = bceDiceLoss(y, p).dataSync()[0];
    const total = tf.add(bceDiceLoss(y, p), varPenalty([k], 0)).dataSync()[0];
    expect(total).toBe(plain);
    const { penalty, grads } = varPenaltyAndGradients([k], 0);
    expect(penalty.dataSync()[0]).toBe(0);
    expect(Array.from(grads[0].dataSync())).toEqual([0, 0, 0, 0]);
    tf.dispose([y, p, k, penalty, ...grads]);
  });

  it('biases and BatchNorm parameters get no VAR gradient and are not moved by it', async () => {
    const input = tf.input({ shape: [4, 4, 2] });
    let h = tf.layers
      .conv2d({
        name: 'c1',
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        useBias: true,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        biasInitializer: tf.initializers.constant({ value: 0.1 }),
      })
      .apply(input) as tf.SymbolicTensor;
    h = tf.layers
      .batchNormalization({
        name: 'bn',
        gammaInitializer: tf.initializers.constant({ value: 1.5 }),
        betaInitializer: tf.initializers.constant({ value: -0.2 }),
      })
      .apply(h) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ name: 'd', units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
      .apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(prunableWeights(model).map((p) => p.layerName)).toEqual(['c1', 'd']);

    // Autodiff of lambda*psi over ALL trainable weights: only the kernels are reached.
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => modelVarPenalty(model, 1e-4), vars);
    const nonKernel = model.trainableWeights.filter((w) => w.shape.length === 1);
    expect(nonKernel.length).toBe(4); // conv bias, BN gamma, BN beta, dense bias
    for (const w of nonKernel) {
      const g = grads[(w.read() as tf.Variable).name];
      if (g) expect(Math.max(...Array.from(g.dataSync()).map(Math.abs))).toBe(0);
    }
    tf.dispose([value, ...Object.values(grads)]);

    // An optimizer step with zero data gradient and VAR on leaves them bit-identical.
    const before = await getWeightArrays(model);
    const zeroGrad = async () => ({ loss: 0, grads: model.trainableWeights.map((w) => tf.zeros(w.shape as number[])) });
    const opt = createOptimizer(model, { method: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0, varLambda: 1e-3 }, createRng(1));
    const dummy = { x: tf.zeros([1, 4, 4, 2]) as tf.Tensor4D, y: tf.zeros([1, 4, 4, 1]) as tf.Tensor4D };
    const r = await opt.step(zeroGrad, dummy, 0.1);
    expect(r.varPenalty).toBeGreaterThan(0);
    const after = await getWeightArrays(model);
    model.weights.forEach((w, i) => {
      if (w.shape.length === 1) expect(after[i].values).toEqual(before[i].values);
      else expect(after[i].values).not.toEqual(before[i].values);
    });
    opt.dispose();
    tf.dispose([dummy.x, dummy.y]);
    model.dispose();
  });
});
