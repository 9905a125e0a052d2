/**
 * Every kernel that src/shared/compute adds to the wasm backend, compared with the cpu backend's
 * kernel on the same inputs.
 *
 * Relative error of a result a against the reference b: max_i |a_i - b_i| / max_i |b_i|
 * (normalised by the largest reference magnitude, so near-zero entries cannot blow it up).
 *
 * Dilation: tfjs 4.22 has no dilation attribute on Conv2DBackpropFilter/Input and refuses
 * gradients of dilated conv2d, so there is no dilated case to compare.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCpuKernelFixes, registerWasmTrainingKernels } from '../../../../src/shared/compute';
import { lcgValues, maxRelativeError } from '../../helpers/numeric';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  batch: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  strides: [number, number];
  pad: Pad;
}

function outShape(c: Case): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo([c.batch, c.h, c.w, c.ci], [c.k, c.k, c.ci, c.co], c.strides, 1, c.pad);
  return info.outShape as [number, number, number, number];
}

async function run(backend: string, kernel: string, c: Case): Promise<Float32Array> {
  await tf.setBackend(backend);
  const xShape = [c.batch, c.h, c.w, c.ci];
  const fShape = [c.k, c.k, c.ci, c.co];
  const dyShape = outShape(c);
  const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
  const result = tf.tidy(() => {
    const dy = tf.tensor(lcgValues(tf.util.sizeFromShape(dyShape), 3), dyShape);
    if (kernel === 'Conv2DBackpropFilter') {
      const x = tf.tensor(lcgValues(tf.util.sizeFromShape(xShape), 1), xShape);
      return tf.engine().runKernel(kernel, { x, dy }, { ...common, filterShape: fShape }) as tf.Tensor;
    }
    const filter = tf.tensor(lcgValues(tf.util.sizeFromShape(fShape), 2), fShape);
    return tf.engine().runKernel(kernel, { dy, filter }, { ...common, inputShape: xShape }) as tf.Tensor;
  });
  const data = (await result.data()) as Float32Array;
  result.dispose();
  return data;
}

const cases: Case[] = [];
for (const k of [1, 3, 7]) {
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const batch of [1, 2, 3]) {
        cases.push({ batch, h: 9 + batch, w: 11 - batch, ci: 2 + batch, co: 5 - batch, k, strides: [s, s], pad });
      }
    }
  }
}
// Channel counts that fill the filter-gradient kernel's 4 x 8 channel tiles (no zero padding), one
// just over a tile, and enough positions per image to span several of its blocks.
cases.push({ batch: 2, h: 21, w: 19, ci: 8, co: 16, k: 3, strides: [1, 1], pad: 'same' });
cases.push({ batch: 1, h: 34, w: 33, ci: 12, co: 24, k: 3, strides: [2, 2], pad: 'same' });
cases.push({ batch: 3, h: 16, w: 16, ci: 16, co: 9, k: 1, strides: [2, 2], pad: 'valid' });
// Geometry the square matrix above misses: unequal strides, stride 3, explicit asymmetric padding.
cases.push({ batch: 2, h: 9, w: 10, ci: 3, co: 4, k: 3, strides: [2, 1], pad: 'same' });
cases.push({ batch: 1, h: 11, w: 8, ci: 2, co: 3, k: 3, strides: [1, 2], pad: 'valid' });
cases.push({ batch: 2, h: 10, w: 9, ci: 3, co: 2, k: 7, strides: [3, 3], pad: 'same' });
cases.push({
  batch: 2,
  h: 9,
  w: 9,
  ci: 3,
  co: 4,
  k: 3,
  strides: [2, 2],
  pad: [
    [0, 0],
    [1, 2],
    [0, 1],
    [0, 0],
  ],
});
cases.push({
  batch: 1,
  h: 8,
  w: 7,
  ci: 4,
  co: 3,
  k: 3,
  strides: [1, 1],
  pad: [
    [0, 0],
    [2, 0],
    [0, 2],
    [0, 0],
  ],
});
// Padding wider than the filter: no tap reaches the border rows, so the input gradient takes the stock path.
cases.push({
  batch: 2,
  h: 6,
  w: 5,
  ci: 2,
  co: 3,
  k: 1,
  strides: [1, 1],
  pad: [
    [0, 0],
    [1, 1],
    [1, 0],
    [0, 0],
  ],
});

const TOLERANCE = 1e-4;

describe('wasm training kernels match the cpu backend', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  for (const kernel of ['Conv2DBackpropFilter', 'Conv2DBackpropInput']) {
    it(`${kernel}: ${cases.length} geometries within ${TOLERANCE}`, async () => {
      const errors: string[] = [];
      let worst = 0;
      for (const c of cases) {
        const got = await run('wasm', kernel, c);
        const want = await run('cpu', kernel, c);
        expect(got.length).toBe(want.length);
        const err = maxRelativeError(got, want);
        worst = Math.max(worst, err);
        if (!(err <= TOLERANCE)) errors.push(`${JSON.stringify(c)}: ${err}`);
      }
      console.log(`${kernel}: max relative error ${worst.toExponential(2)} over ${cases.length} cases`);
      expect(errors).toEqual([]);
    });
  }

  it('Identity shares memory without a copy; the source and the clone outlive each other', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = a.clone();
    expect(b.dataId).toBe(a.dataId);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3, 4]);
    const c = b.clone();
    b.dispose();
    expect(Array.from(await c.data())).toEqual([1, 2, 3, 4]);
    // Clones of an int32 tensor keep their dtype.
    const i = tf.tensor([5, 6], [2], 'int32');
    const j = i.clone();
    expect(j.dtype).toBe('int32');
    i.dispose();
    expect(Array.from(await j.data())).toEqual([5, 6]);
    tf.dispose([c, j]);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('Tile matches cpu for float32, int32 and bool over ranks 1-5', async () => {
    const tileCases: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }[] = [
      { shape: [1, 1, 1, 5], reps: [3, 4, 7, 1], dtype: 'float32' },
      { shape: [2, 3, 4, 5], reps: [2, 1, 3, 2], dtype: 'float32' },
      { shape: [7], reps: [5], dtype: 'int32' },
      { shape: [3, 2], reps: [1, 1], dtype: 'float32' },
      { shape: [2, 1, 3], reps: [1, 4, 2], dtype: 'bool' },
      { shape: [2, 3, 1, 2, 2], reps: [2, 1, 3, 1, 2], dtype: 'int32' },
      { shape: [0, 3], reps: [2, 2], dtype: 'float32' },
    ];
    for (const c of tileCases) {
      const size = tf.util.sizeFromShape(c.shape);
      const raw = lcgValues(size, 7);
      const data = c.dtype === 'float32' ? raw : Int32Array.from(raw, (v) => (c.dtype === 'bool' ? Number(v > 0) : Math.round(v * 100)));
      const results: number[][] = [];
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const t = tf.tidy(() => tf.tile(tf.tensor(data, c.shape, c.dtype), c.reps));
        results.push(Array.from(await t.data()));
        expect(t.shape).toEqual(c.shape.map((d, i) => d * c.reps[i]));
        t.dispose();
      }
      expect(results[0]).toEqual(results[1]);
    }
    await tf.setBackend('wasm');
  });

  /** Same function of the same inputs on both backends; returns [wasm, cpu] flattened outputs. */
  async function both(inputs: { shape: number[]; seed: number }[], f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]) {
    const results: Float32Array[][] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const outs = tf.tidy(() => {
        const r = f(...inputs.map((i) => tf.tensor(lcgValues(tf.util.sizeFromShape(i.shape), i.seed), i.shape)));
        return Array.isArray(r) ? r : [r];
      });
      results.push(outs.map((o) => o.dataSync() as Float32Array));
      tf.dispose(outs);
    }
    await tf.setBackend('wasm');
    expect(results[0].length).toBe(results[1].length);
    return results[0].map((a, i) => maxRelativeError(a, results[1][i]));
  }

  it('SplitV along every axis matches cpu', async () => {
    const errs: number[] = [];
    const shape = [4, 6, 5, 70];
    for (const axis of [0, 1, 2, 3, -1]) {
      const n = shape.at(axis)!;
      const sizes = n > 40 ? [30, 0, n - 30] : [1, n - 1];
      errs.push(...(await both([{ shape, seed: 12 }], (x) => tf.split(x, sizes, axis))));
    }
    errs.push(...(await both([{ shape: [2, 3, 4, 48], seed: 15 }], (x) => tf.split(x, [16, 32], 3))));
    expect(Math.max(...errs)).toBeLessThanOrEqual(1e-6);
  });

  // tfjs-backend-cpu 4.22 indexes dy with the *input's* batch stride, so its result is wrong
  // for batch > 1; the reference is therefore cpu run image by image.
  it('ResizeNearestNeighborGrad matches cpu per image (upsampling x2, odd sizes, downsampling, alignCorners)', async () => {
    const grad = (x: tf.Tensor, oh: number, ow: number, alignCorners: boolean) =>
      tf.tidy(() => {
        const [n, , , c] = x.shape;
        const dy = tf.tensor(lcgValues(n * oh * ow * c, 18), [n, oh, ow, c]);
        return tf.grad((t: tf.Tensor) =>
          tf.image
            .resizeNearestNeighbor(t as tf.Tensor4D, [oh, ow], alignCorners)
            .mul(dy)
            .sum(),
        )(x);
      });
    let worst = 0;
    // (A 1-pixel input with alignCorners sends the cpu reference into an endless window loop; not compared.)
    for (const [h, w, oh, ow] of [
      [4, 5, 8, 10],
      [3, 7, 9, 7],
      [5, 5, 3, 4],
      [1, 1, 4, 4],
    ]) {
      for (const alignCorners of h > 1 ? [false, true] : [false]) {
        const xs = lcgValues(3 * h * w * 2, 17);
        await tf.setBackend('wasm');
        const got = tf.tidy(() => grad(tf.tensor(xs, [3, h, w, 2]), oh, ow, alignCorners).dataSync() as Float32Array);
        await tf.setBackend('cpu');
        const want = tf.tidy(() => {
          const dy = tf.tensor(lcgValues(3 * oh * ow * 2, 18), [3, oh, ow, 2]);
          const parts = [0, 1, 2].map((i) => {
            const x = tf.tensor(xs, [3, h, w, 2]).slice(i, 1);
            const d = dy.slice(i, 1);
            return tf.grad((t: tf.Tensor) =>
              tf.image
                .resizeNearestNeighbor(t as tf.Tensor4D, [oh, ow], alignCorners)
                .mul(d)
                .sum(),
            )(x);
          });
          return tf.concat(parts, 0).dataSync() as Float32Array;
        });
        worst = Math.max(worst, maxRelativeError(got, want));
      }
    }
    await tf.setBackend('wasm');
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('the wasm BatchNorm gradient matches core gradient on cpu (all five inputs, and through moments)', async () => {
    // (Without a scale tensor core cannot differentiate batchNorm on any backend: it saves an undefined input.)
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor(lcgValues(3 * 5 * 7 * 4, 21), [3, 5, 7, 4]);
        const mean = tf.tensor(lcgValues(4, 22), [4]);
        const variance = tf.add(tf.tensor(lcgValues(4, 23), [4]), 1.5);
        const offset = tf.tensor(lcgValues(4, 24), [4]);
        const scale = tf.tensor(lcgValues(4, 25), [4]);
        const dy = tf.tensor(lcgValues(3 * 5 * 7 * 4, 26), [3, 5, 7, 4]);
        const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => tf.batchNorm(a, m, v, o, s, 1e-3).mul(dy).sum();
        const direct = tf.grads(f)([x, mean, variance, offset, scale]);
        // As tfjs-layers trains: statistics from moments of x, so the gradient flows through them too.
        const viaMoments = tf.grad((a: tf.Tensor) => {
          const { mean: m, variance: v } = tf.moments(a, [0, 1, 2]);
          return f(a, m, v, offset, scale);
        })(x);
        return [...direct, viaMoments].map((t) => t.dataSync() as Float32Array);
      });
    };
    const got = await run('wasm');
    const want = await run('cpu');
    expect(got).toHaveLength(6);
    got.forEach((g, i) => expect(maxRelativeError(g, want[i])).toBeLessThanOrEqual(1e-4));
    await tf.setBackend('wasm');
  });

  it('gradients of a strided conv train through tf.grad on wasm', async () => {
    const stridedConvGrads = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor(lcgValues(2 * 9 * 9 * 3, 5), [2, 9, 9, 3]) as tf.Tensor4D;
        const f = tf.tensor(lcgValues(3 * 3 * 3 * 4, 6), [3, 3, 3, 4]) as tf.Tensor4D;
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
            .square()
            .sum(),
        );
        return g([x, f]).map((t) => t.dataSync() as Float32Array);
      });
    };
    const grads = await stridedConvGrads('wasm');
    const ref = await stridedConvGrads('cpu');
    await tf.setBackend('wasm');
    expect(maxRelativeError(grads[0], ref[0])).toBeLessThanOrEqual(TOLERANCE);
    expect(maxRelativeError(grads[1], ref[1])).toBeLessThanOrEqual(TOLERANCE);
  });

  it('registration is idempotent and keeps the kernels', () => {
    expect(registerWasmTrainingKernels()).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'Tile',
      'SplitV',
      'ResizeNearestNeighborGrad',
      'Identity',
    ]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  // Runs last: it replaces the cpu kernel that the per-image reference above relies on.
  it('the cpu fix for ResizeNearestNeighborGrad gives the same batched gradient as wasm', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor(lcgValues(3 * 4 * 5 * 2, 19), [3, 4, 5, 2]);
        const dy = tf.tensor(lcgValues(3 * 8 * 10 * 2, 20), [3, 8, 10, 2]);
        return tf
          .grad((t: tf.Tensor) =>
            tf.image
              .resizeNearestNeighbor(t as tf.Tensor4D, [8, 10])
              .mul(dy)
              .sum(),
          )(x)
          .dataSync() as Float32Array;
      });
    };
    const wasm = await run('wasm');
    expect(registerCpuKernelFixes()).toEqual(['ResizeNearestNeighborGrad']);
    const cpu = await run('cpu');
    await tf.setBackend('wasm');
    expect(maxRelativeError(cpu, wasm)).toBeLessThanOrEqual(1e-6);
  });
});
