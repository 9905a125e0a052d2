import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, countFlops, modelPreset } from '../../../../src/shared/model';
import {
  analyzeChannels,
  applyToModel,
  buildChannelPruned,
  maskChannels,
  maxChannelFraction,
  planChannelPruning,
  readWeights,
} from '../../../../src/shared/prune';
import type { NamedWeight } from '../../../../src/shared/prune';
import { mulberry32 } from '../../../../src/shared/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Trained-looking weights: BN statistics and affine terms far from their identity init, so masking details matter. */
async function randomized(model: tf.LayersModel, seed: number): Promise<NamedWeight[]> {
  const rnd = mulberry32(seed);
  const ws = await readWeights(model);
  for (const w of ws) {
    const n = w.name;
    for (let i = 0; i < w.values.length; i++) {
      if (/gamma/.test(n)) w.values[i] = 0.2 + 1.5 * rnd();
      else if (/beta/.test(n)) w.values[i] = rnd() - 0.5;
      else if (/moving_mean/.test(n)) w.values[i] = 0.6 * (rnd() - 0.5);
      else if (/moving_variance/.test(n)) w.values[i] = 0.05 + rnd();
    }
  }
  applyToModel(model, ws);
  return ws;
}

function images(model: tf.LayersModel, n: number, seed: number): tf.Tensor4D {
  const [, h, w, c] = model.inputs[0].shape as number[];
  return tf.randomNormal([n, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D;
}

const kernelElements = (m: tf.LayersModel) =>
  m.weights.filter((v) => v.shape.length > 1).reduce((s, v) => s + (v.shape as number[]).reduce((a, b) => a * b, 1), 0);

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

/** The model's pre-head features (the head's input), where a channel error would not be squashed by the sigmoid. */
function features(model: tf.LayersModel): tf.LayersModel {
  const head = model.getLayer('head');
  return tf.model({ inputs: model.inputs, outputs: head.input as tf.SymbolicTensor });
}

describe('channel pruning: which convs are prunable', () => {
  it('on the reference UNet: each block inner conv and every decoder conv; residual-add members and the head stay dense', () => {
    const m = buildModel(modelPreset('reference', { inputSize: 16, widthMultiplier: 0.25 }));
    const names = analyzeChannels(m).prunable.map((p) => p.conv.name);
    expect(names).toEqual([
      'enc1_block0_conv1',
      'enc2_block0_conv1',
      'enc3_block0_conv1',
      'enc4_block0_conv1',
      'dec3_conv',
      'dec2_conv',
      'dec1_conv',
    ]);
    expect(analyzeChannels(m).prunable.every((p) => p.bn)).toBe(true);
    const most = maxChannelFraction(m);
    expect(most).toBeGreaterThan(0.75);
    expect(most).toBeLessThan(1);
    m.dispose();
  });
});

describe('channel pruning: the rebuilt network equals the masked original', () => {
  const cases = [
    { label: 'reference (basic1)', config: modelPreset('reference', { inputSize: 16, widthMultiplier: 0.5 }) },
    {
      label: 'resnet18-unet (7x7 stem, max-pool, skip-less last decoder stage)',
      config: modelPreset('resnet18-unet', { inputSize: 32, widthMultiplier: 0.125 }),
    },
    { label: 'resnet50-unet (bottleneck)', config: modelPreset('resnet50-unet', { inputSize: 32, widthMultiplier: 0.0625 }) },
  ];
  for (const { label, config } of cases) {
    it(`${label}: smaller, and max |Δ| ≤ 1e-5 at 50 % and 75 % of the weights`, async () => {
      const model = buildModel(config);
      const trained = await randomized(model, 7);
      const x = images(model, 2, 3);
      const denseKernel = kernelElements(model);
      for (const fraction of [0.5, 0.75]) {
        const plan = planChannelPruning(model, trained, { fraction });
        expect(plan.paramsRemoved).toBeGreaterThanOrEqual(fraction);
        expect(plan.kernelParams.before).toBe(denseKernel);
        const smaller = buildChannelPruned(model, trained, plan);
        // Physically smaller, by exactly the planned amount.
        expect(kernelElements(smaller)).toBe(plan.kernelParams.after);
        expect(plan.kernelParams.after).toBeLessThanOrEqual((1 - fraction) * denseKernel);
        expect(countFlops(smaller)).toBe(plan.flops.after);
        expect(countFlops(model)).toBe(plan.flops.before);
        for (const lp of plan.layers) expect(smaller.getLayer(lp.name).outputShape.at(-1)).toBe(lp.keep.length);

        applyToModel(model, maskChannels(model, trained, plan));
        const [fm, fs] = [features(model), features(smaller)];
        const [ym, ys, pm, ps] = [
          fm.predict(x) as tf.Tensor,
          fs.predict(x) as tf.Tensor,
          model.predict(x) as tf.Tensor,
          smaller.predict(x) as tf.Tensor,
        ];
        // The head's input: the kept channels agree, the removed ones are exactly zero in the masked original.
        const headIn = (model.getLayer('head').input as tf.SymbolicTensor).sourceLayer.name;
        const keep =
          plan.layers.find((l) => l.name === headIn.replace(/_relu(\d?)$/, '_conv$1'))?.keep ??
          Array.from({ length: ym.shape[3]! }, (_, i) => i);
        const dropped = Array.from({ length: ym.shape[3]! }, (_, i) => i).filter((i) => !keep.includes(i));
        const kept = tf.gather(ym, keep, 3);
        expect(await maxAbsDiff(kept, ys)).toBeLessThanOrEqual(1e-5);
        if (dropped.length > 0) {
          const zeros = tf.gather(ym, dropped, 3);
          expect(await maxAbsDiff(zeros, tf.zerosLike(zeros))).toBe(0);
          zeros.dispose();
        }
        kept.dispose();
        expect(await maxAbsDiff(pm, ps)).toBeLessThanOrEqual(1e-5);
        // The masked original really differs from the dense one (the check can fail)...
        applyToModel(model, trained);
        const yd = model.predict(x) as tf.Tensor;
        expect(await maxAbsDiff(yd, ps)).toBeGreaterThan(1e-3);
        // ...and zeroing the filters alone is NOT the masked original: BN turns a zero into beta - mean*gamma/sqrt(var+eps).
        const filtersOnly = maskChannels(model, trained, plan).map((w, i) => (/gamma|beta/.test(w.name) ? trained[i] : w));
        applyToModel(model, filtersOnly);
        const yf = model.predict(x) as tf.Tensor;
        expect(await maxAbsDiff(yf, ps)).toBeGreaterThan(1e-3);
        applyToModel(model, trained);
        tf.dispose([ym, ys, pm, ps, yd, yf]);
        smaller.dispose();
      }
      x.dispose();
      model.dispose();
    });
  }
});

describe('channel pruning: ranking and targets', () => {
  it('l1 keeps the largest filters; bn-gamma keeps the largest |gamma|; ties keep the lower index', async () => {
    const model = buildModel(modelPreset('reference', { inputSize: 16, widthMultiplier: 0.25 }));
    const trained = await randomized(model, 11);
    const conv = model.getLayer('dec1_conv');
    const k = trained[model.weights.indexOf((conv as unknown as { kernel: tf.LayerVariable }).kernel)];
    const outC = k.shape[3];
    const l1 = Array.from({ length: outC }, (_, o) => k.values.filter((_, i) => i % outC === o).reduce((s, v) => s + Math.abs(v), 0));
    const plan = planChannelPruning(model, trained, { fraction: 0.5 });
    const lp = plan.layers.find((l) => l.name === 'dec1_conv')!;
    const expected = l1
      .map((s, i) => [s, i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, lp.keep.length)
      .map(([, i]) => i)
      .sort((a, b) => a - b);
    expect(lp.keep).toEqual(expected);
    const bn = model.getLayer('dec1_bn') as unknown as { gamma: tf.LayerVariable };
    const g = trained[model.weights.indexOf(bn.gamma)].values;
    const byGamma = planChannelPruning(model, trained, { fraction: 0.5, criterion: 'bn-gamma' }).layers.find(
      (l) => l.name === 'dec1_conv',
    )!;
    const minKept = Math.min(...byGamma.keep.map((i) => Math.abs(g[i])));
    const maxDropped = Math.max(
      ...Array.from(g.keys())
        .filter((i) => !byGamma.keep.includes(i))
        .map((i) => Math.abs(g[i])),
    );
    expect(minKept).toBeGreaterThanOrEqual(maxDropped);
    model.dispose();
  });

  it('a FLOP target removes at least that fraction of FLOPs; impossible fractions say the maximum', async () => {
    const model = buildModel(modelPreset('reference', { inputSize: 16, widthMultiplier: 0.5 }));
    const trained = await readWeights(model);
    const plan = planChannelPruning(model, trained, { fraction: 0.6, target: 'flops' });
    expect(plan.flopsRemoved).toBeGreaterThanOrEqual(0.6);
    const smaller = buildChannelPruned(model, trained, plan);
    expect(1 - countFlops(smaller) / countFlops(model)).toBeCloseTo(plan.flopsRemoved, 12);
    smaller.dispose();
    const zero = planChannelPruning(model, trained, { fraction: 0 });
    expect(zero.paramsRemoved).toBe(0);
    expect(zero.layers.every((l) => l.keep.length === l.channels)).toBe(true);
    const most = maxChannelFraction(model);
    expect(() => planChannelPruning(model, trained, { fraction: Math.min(0.999, most + 0.01) })).toThrow(/at most \d+\.\d %/);
    expect(() => planChannelPruning(model, trained, { fraction: 1 })).toThrow(/outside/);
    model.dispose();
  });
});
