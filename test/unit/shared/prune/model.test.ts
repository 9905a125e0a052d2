import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, modelPreset } from '../../../../src/shared/model';
import { applyToModel, pruneModel, pruneWeights, readWeights, reestimateBatchNorm } from '../../../../src/shared/prune';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tiny(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 2] });
  let x = tf.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .batchNormalization({
      axis: -1,
      epsilon: 1e-3,
      gammaInitializer: tf.initializers.constant({ value: 1.5 }),
      betaInitializer: tf.initializers.constant({ value: 0.2 }),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 2, kernelSize: 1, useBias: false, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ axis: -1 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

describe('applyToModel', () => {
  it('writes a pruned full snapshot by position and a partial list by name', async () => {
    const m = tiny();
    const snap = await readWeights(m);
    const { weights, report } = pruneWeights(snap, { sparsity: 0.5, scope: 'global' });
    applyToModel(m, weights);
    const k = m.weights.filter((v) => v.shape.length > 1).map((v) => v.read().dataSync());
    expect(k.reduce((n, a) => n + a.filter((v) => v === 0).length, 0)).toBe(Math.round(0.5 * (54 + 6)));
    expect(report.perLayer).toHaveLength(2);
    // the snapshot itself is untouched and restores the model
    applyToModel(m, [snap[0]]);
    expect(Array.from(m.weights[0].read().dataSync())).toEqual(Array.from(snap[0].values));
    expect(() => applyToModel(m, [{ ...snap[0], name: 'nope' }])).toThrow(/no weight named/);
  });
});

describe('pruneModel on a studio preset', () => {
  it('levels start from the trained weights; keepFirstLast keeps the stem and head dense', async () => {
    const m = buildModel(modelPreset('resnet18-unet', { inputSize: 32, widthMultiplier: 0.125 }));
    const trained = await readWeights(m);
    const r90 = await pruneModel(m, { sparsity: 0.9, scope: 'global', keepFirstLast: true }, trained);
    expect(r90.perLayer[0].name).toMatch(/^stem_conv/);
    expect(r90.perLayer[r90.perLayer.length - 1].name).toMatch(/^head/);
    expect(r90.perLayer.filter((l) => !l.pruned).map((l) => l.sparsity)).toEqual([0, 0]);
    expect(r90.achieved).toBeCloseTo(0.9, 5);
    const r50 = await pruneModel(m, { sparsity: 0.5, scope: 'layerwise' }, trained);
    for (const l of r50.perLayer) expect(Math.abs(l.zeros - 0.5 * l.total)).toBeLessThanOrEqual(0.5);
    applyToModel(m, trained);
    expect((await readWeights(m)).map((w) => Array.from(w.values))).toEqual(trained.map((w) => Array.from(w.values)));
    m.dispose();
  });
});

describe('reestimateBatchNorm', () => {
  it('sets each BN to the mean and population variance of its input over the calibration set', async () => {
    const m = tiny();
    const batches = [tf.randomNormal([3, 4, 4, 2], 1, 2, 'float32', 5), tf.randomNormal([2, 4, 4, 2], -0.5, 1, 'float32', 6)];
    // model.weights lists trainable weights first, then the BN moving statistics.
    const [k1, g1, b1, k2] = m.weights.map((v) => v.read());
    // Expected, computed independently: BN1 input = conv1(x); BN2 input with BN1 in batch-statistics mode.
    const expected = tf.tidy(() => {
      const in1 = batches.map((x) => tf.conv2d(x as tf.Tensor4D, k1 as tf.Tensor4D, 1, 'same'));
      const in2 = in1.map((y) => {
        const { mean, variance } = tf.moments(y, [0, 1, 2]);
        const n = tf.relu(tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-3))), g1), b1));
        return tf.conv2d(n as tf.Tensor4D, k2 as tf.Tensor4D, 1, 'same');
      });
      const all1 = tf.concat(
        in1.map((y) => y.reshape([-1, 3])),
        0,
      );
      const all2 = tf.concat(
        in2.map((y) => y.reshape([-1, 2])),
        0,
      );
      const m1 = tf.moments(all1, 0);
      const m2 = tf.moments(all2, 0);
      return [m1.mean, m1.variance, m2.mean, m2.variance].map((t) => Array.from(t.dataSync()));
    });
    const res = await reestimateBatchNorm(m, batches);
    expect(res).toEqual({ layers: 2, images: 5 });
    const bn = m.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as {
      movingMean: tf.LayerVariable;
      movingVariance: tf.LayerVariable;
    }[];
    const got = [bn[0].movingMean, bn[0].movingVariance, bn[1].movingMean, bn[1].movingVariance].map((v) =>
      Array.from(v.read().dataSync()),
    );
    got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 4)));
    // The defaults (0 and 1) really changed.
    expect(got[1].some((v) => Math.abs(v - 1) > 0.1)).toBe(true);
    tf.dispose(batches);
  });

  it('leaves the statistics unchanged when it fails', async () => {
    const m = tiny();
    const before = (await readWeights(m)).map((w) => Array.from(w.values));
    await expect(reestimateBatchNorm(m, [])).rejects.toThrow(/No calibration/);
    expect((await readWeights(m)).map((w) => Array.from(w.values))).toEqual(before);
    const x = tf.ones([1, 4, 4, 2]);
    const ctl = new AbortController();
    ctl.abort();
    await expect(reestimateBatchNorm(m, [x], { signal: ctl.signal })).rejects.toThrow(/cancelled/);
    expect((await readWeights(m)).map((w) => Array.from(w.values))).toEqual(before);
    const nBefore = tf.memory().numTensors;
    await reestimateBatchNorm(m, [x]);
    expect(tf.memory().numTensors).toBe(nBefore);
    x.dispose();
  });
});
