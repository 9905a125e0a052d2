import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer, type OptimizerConfigInput } from '../../../../src/shared/train/optimizers';
import { localGradientFn, type Batch, type GradientFn } from '../../../../src/shared/train/gradients';
import { bceDiceLoss } from '../../../../src/shared/train/loss';
import { createRng } from '../../../../src/shared/rng';
import { modelVarPenalty, VAR_EPS, VAR_R } from '../../../../src/shared/train/var';
import { buildModel, getWeightArrays, modelPreset } from '../../../../src/shared/model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Tiny model: 1x1 conv, 2 -> 2 channels, with bias. Weights: kernel [1,1,2,2] (rank 4, gets
// VAR / weight decay / CrAM compression) and bias [2] (gets none of them).
const K0 = [0.3, -0.1, 0.5, 0.05];
const B0 = [0.2, -0.4];
const TK = [0.1, 0.2, -0.3, 0.4];
const TB = [0, 0.1];

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 2] });
  const out = tf.layers.conv2d({ name: 'c', filters: 2, kernelSize: 1, useBias: true }).apply(input) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  m.setWeights([tf.tensor4d(K0, [1, 1, 2, 2]), tf.tensor1d(B0)]);
  return m;
}

/** Quadratic data loss 0.5 * ||w - t||^2 read at the CURRENT weights: gradient = w - t. */
function quadraticGradFn(model: tf.LayersModel): GradientFn {
  return async () => {
    const [k, b] = model.trainableWeights.map((w) => Array.from(w.read().dataSync()));
    const gk = k.map((v, i) => v - TK[i]);
    const gb = b.map((v, i) => v - TB[i]);
    const loss = 0.5 * [...gk, ...gb].reduce((s, g) => s + g * g, 0);
    return { loss, grads: [tf.tensor4d(gk, [1, 1, 2, 2]), tf.tensor1d(gb)] };
  };
}

const dummyBatch = (): Batch => ({ x: tf.zeros([1, 1, 1, 2]) as tf.Tensor4D, y: tf.zeros([1, 1, 1, 2]) as tf.Tensor4D });

/** Independent JS derivation of d(lambda psi)/dw for one layer. */
function varGradJs(w: number[], lambda: number): number[] {
  const n = w.length;
  const wt = w.map((v) => Math.sqrt(v * v + VAR_R));
  const m = wt.reduce((a, b) => a + b, 0) / n;
  const V = wt.reduce((a, b) => a + (b - m) ** 2, 0) / n;
  return w.map((v, i) => (-lambda / (V + VAR_EPS) ** 2) * (2 / n) * (wt[i] - m) * (v / wt[i]));
}

interface Expected {
  k: number[];
  b: number[];
}

/** Plain-JS reference of one step for each method (from zero momentum). */
function expectedStep(
  cfg: Required<Omit<OptimizerConfigInput, 'nesterov'>>,
  lr: number,
  sparsity: number,
  k: number[],
  b: number[],
  vk = [0, 0, 0, 0],
  vb = [0, 0],
): Expected & { vk: number[]; vb: number[] } {
  // With the objective ascent, G = data gradient + VAR gradient everywhere (ascent and step);
  // with the data ascent, the data gradient leads and VAR's gradient at w joins the step once.
  const inAscent = cfg.ascent === 'objective' && cfg.method !== 'sgd';
  const Gk = (kk: number[]) => {
    const vg = varGradJs(kk, cfg.varLambda);
    return kk.map((v, i) => v - TK[i] + (inAscent && cfg.varLambda ? vg[i] : 0));
  };
  const Gb = (bb: number[]) => bb.map((v, i) => v - TB[i]);
  const gk = Gk(k);
  const gb = Gb(b);
  let sk = gk;
  let sb = gb;
  if (cfg.method === 'sam') {
    const norm = Math.sqrt([...gk, ...gb].reduce((s, g) => s + g * g, 0));
    sk = Gk(k.map((v, i) => v + (cfg.rho * gk[i]) / norm));
    sb = Gb(b.map((v, i) => v + (cfg.rho * gb[i]) / norm));
  } else if (cfg.method.startsWith('cram')) {
    let ak = k.map((v, i) => v + cfg.rho * gk[i]);
    const ab = b.map((v, i) => v + cfg.rho * gb[i]);
    const nZero = Math.round(sparsity * ak.length);
    const order = ak.map((v, i) => [Math.abs(v), i]).sort((p, q) => p[0] - q[0]);
    const zeroed = new Set(order.slice(0, nZero).map((p) => p[1]));
    ak = ak.map((v, i) => (zeroed.has(i) ? 0 : v));
    sk = Gk(ak);
    sb = Gb(ab);
    if (cfg.method === 'cram+') {
      sk = sk.map((v, i) => v + gk[i]);
      sb = sb.map((v, i) => v + gb[i]);
    }
  }
  const vg = varGradJs(k, cfg.varLambda);
  const dk = sk.map((g, i) => g + cfg.weightDecay * k[i] + (cfg.varLambda && !inAscent ? vg[i] : 0));
  const db = sb;
  const nvk = dk.map((d, i) => cfg.momentum * vk[i] + d);
  const nvb = db.map((d, i) => cfg.momentum * vb[i] + d);
  return { k: k.map((v, i) => v - lr * nvk[i]), b: b.map((v, i) => v - lr * nvb[i]), vk: nvk, vb: nvb };
}

const base = { lr: 0.1, momentum: 0.9, weightDecay: 0.01, rho: 0.05, cramSparsities: [0.25, 0.5], varLambda: 1e-3 };

describe('optimizers: one step against a hand computation', () => {
  const cases = (['sgd', 'sam', 'cram', 'cram+'] as const).flatMap((method) => [
    { method, varLambda: 0, ascent: 'objective' as const },
    { method, varLambda: 1e-3, ascent: 'objective' as const },
    ...(method === 'sgd' ? [] : [{ method, varLambda: 1e-3, ascent: 'data' as const }]),
  ]);
  for (const { method, varLambda, ascent } of cases) {
    {
      it(`${method}${varLambda ? `+VAR (${ascent} ascent)` : ''}: two steps (momentum carried)`, async () => {
        const model = tinyModel();
        const cfg = { ...base, method, varLambda, ascent };
        const opt = createOptimizer(model, cfg, createRng(5));
        const draws = createRng(5); // same stream the optimizer consumes for CrAM
        const batch = dummyBatch();
        const gradFn = quadraticGradFn(model);
        let k = K0;
        let b = B0;
        let vk = [0, 0, 0, 0];
        let vb = [0, 0];
        for (const lr of [0.1, 0.05]) {
          const s = method.startsWith('cram') ? cfg.cramSparsities[draws.int(2)] : 0;
          const e = expectedStep(cfg, lr, s, k, b, vk, vb);
          const r = await opt.step(gradFn, batch, lr);
          expect(r.loss).toBeCloseTo(
            0.5 * [...k.map((v, i) => v - TK[i]), ...b.map((v, i) => v - TB[i])].reduce((p, g) => p + g * g, 0),
            6,
          );
          const [gotK, gotB] = model.trainableWeights.map((w) => Array.from(w.read().dataSync()));
          gotK.forEach((v, i) => expect(v).toBeCloseTo(e.k[i], 6));
          gotB.forEach((v, i) => expect(v).toBeCloseTo(e.b[i], 6));
          ({ k, b, vk, vb } = e);
        }
        opt.dispose();
        tf.dispose([batch.x, batch.y]);
        model.dispose();
      });
    }
  }

  it('with varLambda 0 the result is bit-identical to plain SGD arithmetic in float32', async () => {
    const model = tinyModel();
    const opt = createOptimizer(model, { method: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, varLambda: 0 }, createRng(1));
    const batch = dummyBatch();
    const r = await opt.step(quadraticGradFn(model), batch, 0.25);
    expect(r.varPenalty).toBe(0);
    const f = Math.fround;
    const want = K0.map((v, i) => f(f(v) - f(f(0.25) * f(f(v) - f(TK[i])))));
    expect(Array.from(model.trainableWeights[0].read().dataSync())).toEqual(want);
    opt.dispose();
    tf.dispose([batch.x, batch.y]);
    model.dispose();
  });

  it('nesterov follows PyTorch: w -= lr * (d + mu * v)', async () => {
    const model = tinyModel();
    const opt = createOptimizer(model, { method: 'sgd', lr: 0.1, momentum: 0.5, nesterov: true }, createRng(1));
    const batch = dummyBatch();
    await opt.step(quadraticGradFn(model), batch, 0.1);
    const got = Array.from(model.trainableWeights[0].read().dataSync());
    K0.forEach((v, i) => {
      const d = v - TK[i];
      expect(got[i]).toBeCloseTo(v - 0.1 * (d + 0.5 * d), 6);
    });
    opt.dispose();
    tf.dispose([batch.x, batch.y]);
    model.dispose();
  });

  it('momentum state round-trips through getState/setState', async () => {
    const a = tinyModel();
    const b = tinyModel();
    const oa = createOptimizer(a, { method: 'sgd', lr: 0.1 }, createRng(1));
    const ob = createOptimizer(b, { method: 'sgd', lr: 0.1 }, createRng(1));
    const batch = dummyBatch();
    await oa.step(quadraticGradFn(a), batch, 0.1);
    await ob.step(quadraticGradFn(b), batch, 0.1);
    const state = await oa.getState();
    expect(state.map((s) => s.name)).toEqual(['momentum/0/c/kernel', 'momentum/1/c/bias']);
    const fresh = createOptimizer(b, { method: 'sgd', lr: 0.1 }, createRng(1));
    fresh.setState(state);
    await oa.step(quadraticGradFn(a), batch, 0.1);
    await fresh.step(quadraticGradFn(b), batch, 0.1);
    expect(Array.from(b.trainableWeights[0].read().dataSync())).toEqual(Array.from(a.trainableWeights[0].read().dataSync()));
    expect(() => fresh.setState([{ name: 'momentum/0/c/kernel', values: new Float32Array(3) }])).toThrow(/missing|size/);
    [oa, ob, fresh].forEach((o) => o.dispose());
    tf.dispose([batch.x, batch.y]);
    [a, b].forEach((m) => m.dispose());
  });

  it('rejects CrAM without sparsities', () => {
    const m = tinyModel();
    expect(() => createOptimizer(m, { method: 'cram', lr: 0.1 }, createRng(1))).toThrow(/cramSparsities/);
    m.dispose();
  });
});

describe('VAR inside the SAM / CrAM ascent: one step against tf autodiff of L + lambda*psi', () => {
  // A real forward pass (1x1 conv, MSE) and autodiff of the whole objective, independent of the
  // optimizer's closed-form VAR gradient and of its bookkeeping.
  const x = () => tf.tensor4d([1, 2, -1, 0.5, 0.3, -0.7], [3, 1, 1, 2]);
  const y = () => tf.tensor4d([0.5, -0.5, 1, 0, -0.2, 0.4], [3, 1, 1, 2]);
  const mse = (t: tf.Tensor, p: tf.Tensor) => tf.mean(tf.square(tf.sub(p, t))) as tf.Scalar;
  const lambda = 1e-3;
  const rho = 0.05;

  /** d(objective)/d(kernel, bias) at the given weights, by autodiff on a fresh model. */
  function objectiveGrads(k: number[], b: number[], withVar: boolean): number[][] {
    const m = tinyModel();
    m.setWeights([tf.tensor4d(k, [1, 1, 2, 2]), tf.tensor1d(b)]);
    const [xs, ys] = [x(), y()];
    const vars = m.trainableWeights.map((v) => v.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const data = mse(ys, m.apply(xs) as tf.Tensor);
      return withVar ? tf.add(data, modelVarPenalty(m, lambda)) : data;
    }, vars);
    const out = vars.map((v) => Array.from(grads[v.name].dataSync()));
    tf.dispose([value, ...Object.values(grads), xs, ys]);
    m.dispose();
    return out;
  }

  function compress(k: number[], sparsity: number): number[] {
    const nZero = Math.round(sparsity * k.length);
    const zeroed = new Set(
      k
        .map((v, i) => [Math.abs(v), i])
        .sort((p, q) => p[0] - q[0])
        .slice(0, nZero)
        .map((p) => p[1]),
    );
    return k.map((v, i) => (zeroed.has(i) ? 0 : v));
  }

  /** One step from zero momentum, lr 0.1, no weight decay: w - lr * g*. */
  function reference(method: 'sam' | 'cram' | 'cram+', ascent: 'objective' | 'data'): number[][] {
    const inAscent = ascent === 'objective';
    const [gk, gb] = objectiveGrads(K0, B0, inAscent);
    let pk: number[];
    let pb: number[];
    if (method === 'sam') {
      const norm = Math.hypot(...gk, ...gb);
      pk = K0.map((v, i) => v + (rho * gk[i]) / norm);
      pb = B0.map((v, i) => v + (rho * gb[i]) / norm);
    } else {
      pk = compress(
        K0.map((v, i) => v + rho * gk[i]),
        0.5,
      );
      pb = B0.map((v, i) => v + rho * gb[i]);
    }
    let [sk, sb] = objectiveGrads(pk, pb, inAscent);
    if (method === 'cram+') {
      sk = sk.map((v, i) => v + gk[i]);
      sb = sb.map((v, i) => v + gb[i]);
    }
    if (!inAscent) {
      // The data ascent: VAR's gradient at w joins once (autodiff of the objective minus the data loss).
      const [fk] = objectiveGrads(K0, B0, true);
      const [dk] = objectiveGrads(K0, B0, false);
      sk = sk.map((v, i) => v + fk[i] - dk[i]);
    }
    return [K0.map((v, i) => v - 0.1 * sk[i]), B0.map((v, i) => v - 0.1 * sb[i])];
  }

  for (const method of ['sam', 'cram', 'cram+'] as const) {
    for (const ascent of ['objective', 'data'] as const) {
      it(`${method}+VAR, ${ascent} ascent`, async () => {
        const model = tinyModel();
        const opt = createOptimizer(
          model,
          { method, lr: 0.1, momentum: 0.9, weightDecay: 0, rho, cramSparsities: [0.5], varLambda: lambda, ascent },
          createRng(3),
        );
        const batch = { x: x(), y: y() } as Batch;
        const before = tf.memory().numTensors;
        await opt.step(localGradientFn(model, mse), batch, 0.1);
        expect(tf.memory().numTensors).toBe(before);
        const got = model.trainableWeights.map((w) => Array.from(w.read().dataSync()));
        const want = reference(method, ascent);
        got.forEach((g, j) => g.forEach((v, i) => expect(v).toBeCloseTo(want[j][i], 5)));
        // The two ascents really differ here, so the comparison above can tell them apart.
        const other = reference(method, ascent === 'objective' ? 'data' : 'objective');
        expect(Math.max(...got[0].map((v, i) => Math.abs(v - other[0][i])))).toBeGreaterThan(1e-4);
        opt.dispose();
        tf.dispose([batch.x, batch.y]);
        model.dispose();
      });
    }
  }
});

describe('localGradientFn and real models', () => {
  it('gives the analytic gradient of a linear 1x1 conv under MSE', async () => {
    const model = tinyModel();
    const x = tf.tensor4d([1, 2, -1, 0.5], [2, 1, 1, 2]);
    const y = tf.tensor4d([0.5, -0.5, 1, 0], [2, 1, 1, 2]);
    const mse = (t: tf.Tensor, p: tf.Tensor) => tf.mean(tf.square(tf.sub(p, t))) as tf.Scalar;
    const { loss, grads } = await localGradientFn(model, mse)({ x, y } as Batch);
    const xs = [
      [1, 2],
      [-1, 0.5],
    ];
    const ys = [
      [0.5, -0.5],
      [1, 0],
    ];
    // out_j = sum_c x_c K[c,j] + b_j; loss = mean over 4 outputs of (out - y)^2.
    const gk = [0, 0, 0, 0];
    const gb = [0, 0];
    let l = 0;
    xs.forEach((xv, n) => {
      for (let j = 0; j < 2; j++) {
        const out = xv[0] * K0[j] + xv[1] * K0[2 + j] + B0[j];
        const r = out - ys[n][j];
        l += (r * r) / 4;
        gb[j] += (2 * r) / 4;
        for (let c = 0; c < 2; c++) gk[c * 2 + j] += (2 * r * xv[c]) / 4;
      }
    });
    expect(loss).toBeCloseTo(l, 6);
    Array.from(grads[0].dataSync()).forEach((v, i) => expect(v).toBeCloseTo(gk[i], 6));
    Array.from(grads[1].dataSync()).forEach((v, i) => expect(v).toBeCloseTo(gb[i], 6));
    tf.dispose([x, y, ...grads]);
    model.dispose();
  });

  it('every method trains a small reference model without leaking tensors; perturbed passes leave BN stats alone', async () => {
    const cfg = modelPreset('reference', { inputSize: 16, widthMultiplier: 0.25, seed: 4 });
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const y = tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 10), 0.7), 'float32') as tf.Tensor4D;
    const statsAfterSgd: Float32Array[] = [];
    for (const method of ['sgd', 'sam', 'cram', 'cram+'] as const) {
      const model = buildModel(cfg);
      const beforeCreate = tf.memory().numTensors;
      const opt = createOptimizer(
        model,
        { method, lr: 0.05, weightDecay: 1e-4, rho: 0.05, cramSparsities: [0.5, 0.9], varLambda: 1e-5 },
        createRng(2),
      );
      const gradFn = localGradientFn(model, (t, p) => bceDiceLoss(t, p));
      await opt.step(gradFn, { x, y }, 0.05);
      // BN moving stats after one step depend only on the forward pass at the unperturbed w.
      const stats = (await getWeightArrays(model)).filter((_, i) => !model.weights[i].trainable);
      if (method === 'sgd') {
        // BN ran in training mode: moving means moved away from their zero init.
        expect(stats.some((s) => s.name.includes('moving_mean') && s.values.some((v) => v !== 0))).toBe(true);
        stats.forEach((s) => statsAfterSgd.push(s.values));
      } else stats.forEach((s, i) => expect(s.values).toEqual(statsAfterSgd[i]));
      const before = tf.memory().numTensors;
      let last = { loss: NaN, varPenalty: NaN };
      for (let i = 0; i < 2; i++) last = await opt.step(gradFn, { x, y }, 0.05);
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(last.loss)).toBe(true);
      expect(last.varPenalty).toBeGreaterThan(0);
      opt.dispose();
      // Creating and disposing an optimizer must leave nothing behind (momentum init included).
      expect(tf.memory().numTensors).toBe(beforeCreate);
      model.dispose();
    }
    tf.dispose([x, y]);
  });
});
