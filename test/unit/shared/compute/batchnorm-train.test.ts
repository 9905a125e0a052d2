/**
 * The fused training BatchNorm(+ReLU) kernel and its gradient against tfjs's own composite
 * (moments + batchNorm + relu, differentiated by tfjs autodiff), on cpu and wasm, and the
 * whole model: a model built by buildModel (fused path) against the same model deserialised
 * by stock tfjs-layers (stock classes) with the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { batchNormTrain, ensureBatchNormTrain } from '../../../../src/shared/compute/batchnorm-train';
import { registerCpuKernelFixes, registerWasmTrainingKernels } from '../../../../src/shared/compute';
import { buildModel, modelPreset } from '../../../../src/shared/model';
import { bceDiceLoss } from '../../../../src/shared/train';
import { lcgValues, maxRelativeError } from '../../helpers/numeric';

const EPS = 1e-5;

/** Loss = sum(y * w) for a fixed w, so every output element gets a distinct gradient. */
function run(fused: boolean, relu: boolean, shape: number[]) {
  const c = shape[shape.length - 1];
  const x = tf.tensor(lcgValues(tf.util.sizeFromShape(shape), 1, 2, 0.3), shape);
  const gamma = tf.tensor(lcgValues(c, 2, 0.5, 1), [c]);
  const beta = tf.tensor(lcgValues(c, 3, 0.2), [c]);
  const w = tf.tensor(lcgValues(tf.util.sizeFromShape(shape), 4), shape);
  let mean: tf.Tensor | undefined;
  let variance: tf.Tensor | undefined;
  const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    let y: tf.Tensor;
    if (fused) {
      [y, mean, variance] = batchNormTrain(xx, g, b, { epsilon: EPS, relu });
    } else {
      const m = tf.moments(xx, [0, 1, 2]);
      [mean, variance] = [m.mean, m.variance];
      y = tf.batchNorm(xx, m.mean, m.variance, b, g, EPS);
      if (relu) y = tf.relu(y);
    }
    mean = tf.keep(mean!.clone());
    variance = tf.keep(variance!.clone());
    return tf.sum(tf.mul(y, w)) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)([x, gamma, beta]);
  const out = {
    loss: value.dataSync()[0],
    mean: mean!.dataSync(),
    variance: variance!.dataSync(),
    dx: grads[0].dataSync(),
    dgamma: grads[1].dataSync(),
    dbeta: grads[2].dataSync(),
  };
  tf.dispose([x, gamma, beta, w, value, ...grads, mean!, variance!]);
  return out;
}

describe.each(['cpu', 'wasm'])('fused training BatchNorm on %s', (backend) => {
  it.each([
    { relu: true, shape: [2, 5, 3, 4] },
    { relu: false, shape: [2, 5, 3, 4] },
    { relu: true, shape: [3, 4, 4, 1] },
    { relu: false, shape: [1, 2, 7, 6] },
  ])('matches tfjs autodiff of moments + batchNorm (relu $relu, shape $shape)', async ({ relu, shape }) => {
    await tf.setBackend(backend);
    if (backend === 'wasm') registerWasmTrainingKernels();
    else registerCpuKernelFixes();
    expect(ensureBatchNormTrain()).toBe(true);
    const before = tf.memory().numTensors;
    const a = run(true, relu, shape);
    expect(tf.memory().numTensors).toBe(before);
    const b = run(false, relu, shape);
    expect(Math.abs(a.loss - b.loss) / Math.abs(b.loss)).toBeLessThan(1e-5);
    expect(maxRelativeError(a.mean, b.mean)).toBeLessThan(1e-5);
    expect(maxRelativeError(a.variance, b.variance)).toBeLessThan(1e-5);
    expect(maxRelativeError(a.dx, b.dx)).toBeLessThan(1e-4);
    expect(maxRelativeError(a.dgamma, b.dgamma)).toBeLessThan(1e-5);
    expect(maxRelativeError(a.dbeta, b.dbeta)).toBeLessThan(1e-5);
  });

  it('is deterministic (identical bits on a second run)', async () => {
    await tf.setBackend(backend);
    const a = run(true, true, [2, 6, 5, 3]);
    const b = run(true, true, [2, 6, 5, 3]);
    expect(Array.from(a.dx)).toEqual(Array.from(b.dx));
    expect(Array.from(a.dgamma)).toEqual(Array.from(b.dgamma));
  });
});

describe('buildModel with the fused training path', () => {
  it.each(['cpu', 'wasm'])('trains like the stock tfjs-layers model it saves as (%s)', async (backend) => {
    await tf.setBackend(backend);
    if (backend === 'wasm') registerWasmTrainingKernels();
    else registerCpuKernelFixes();
    const cfg = modelPreset('reference', { inputSize: 16, widthMultiplier: 0.25 });
    const ours = buildModel(cfg);
    // Round trip through the saved layers format: stock classes, same weights.
    const stock = await tf.models.modelFromJSON({ modelTopology: ours.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] } as never);
    stock.setWeights(ours.getWeights());
    for (const l of stock.layers) expect(Object.getPrototypeOf(l).constructor.name).not.toMatch(/Training|PassThrough/);
    const x = tf.tensor4d(lcgValues(2 * 16 * 16 * 3, 7), [2, 16, 16, 3]);
    const y = tf.tensor4d(
      Float32Array.from(lcgValues(2 * 16 * 16, 8), (v) => (v > 0.6 ? 1 : 0)),
      [2, 16, 16, 1],
    );
    // Inference is stock tfjs on both: identical bits.
    const pa = (ours.predict(x) as tf.Tensor).dataSync();
    const pb = (stock.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(pa)).toEqual(Array.from(pb));
    const grads = (m: tf.LayersModel) => {
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads: g } = tf.variableGrads(() => bceDiceLoss(y, m.apply(x, { training: true }) as tf.Tensor), vars);
      const out = { loss: value.dataSync()[0], grads: vars.map((v) => g[v.name].dataSync()) };
      tf.dispose([value, ...Object.values(g)]);
      return out;
    };
    const a = grads(ours);
    const b = grads(stock);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    a.grads.forEach((g, i) => expect(maxRelativeError(g, b.grads[i])).toBeLessThan(2e-3));
    // Moving statistics updated the same way.
    const stats = (m: tf.LayersModel) => m.nonTrainableWeights.map((w) => w.read().dataSync());
    stats(ours).forEach((s, i) => expect(maxRelativeError(s, stats(stock)[i])).toBeLessThan(1e-5));
    tf.dispose([x, y]);
    ours.dispose();
    stock.dispose();
  });
});
