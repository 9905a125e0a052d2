/**
 * BatchNorm in training mode (batch statistics over every axis but the last), optionally
 * followed by ReLU, as ONE kernel with ONE gradient kernel, for the wasm and cpu backends.
 *
 * tfjs-layers computes it as moments (Mean, Sub, Square, Mean) + FusedBatchNorm (+ Relu), and
 * its gradient runs through all of them: about twenty full-size passes per layer, each result
 * kept alive until the backward pass ends. Here the forward pass reads x three times (sum,
 * centred sum of squares, normalise) and keeps only x and the output; the backward pass reads
 * dy, x and y twice. With g = dy * [y > 0] (just dy without ReLU), S1 = sum g, S2 = sum g (x - mean)
 * and r = 1 / sqrt(variance + eps), per channel:
 *   dbeta = S1,   dgamma = r S2,   dx = gamma r (g - S1 / n - (x - mean) r^2 S2 / n)
 * which is the gradient through the batch mean and variance too (variance biased, as tfjs's
 * moments). Per-channel sums are accumulated in float64 in a fixed order, so results are
 * deterministic; they differ from the composite ops only by float32 rounding.
 *
 * Porting note: the layer that uses this (src/shared/model/layers.ts) keeps tfjs-layers'
 * BatchNormalization class name, config and weights, so saved models load with stock tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackendLike } from './wasm-backend';

/** Kernel names: with ReLU (saves its output for the mask) and without. */
export const BN_TRAIN = 'VarStudioBatchNormTrain';
export const BN_RELU_TRAIN = 'VarStudioBatchNormReluTrain';
const BN_TRAIN_GRAD = 'VarStudioBatchNormTrainGrad';

export interface BatchNormTrainAttrs {
  epsilon: number;
  relu: boolean;
}

/*
 * The loops below walk the data one group of 4 channels at a time (strided by c), keeping the
 * group's sums and coefficients in locals: about twice as fast in V8 as a pixel-major loop with
 * per-channel arrays. A channel count that is not a multiple of 4 leaves a tail of single lanes.
 */

/** Per-channel sum of x (float64, fixed order). */
function channelSums(x: Float32Array, c: number, centre?: Float64Array): Float64Array {
  const out = new Float64Array(c);
  const total = x.length;
  let k = 0;
  for (; k + 4 <= c; k += 4) {
    const m0 = centre ? centre[k] : 0;
    const m1 = centre ? centre[k + 1] : 0;
    const m2 = centre ? centre[k + 2] : 0;
    const m3 = centre ? centre[k + 3] : 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    if (centre) {
      for (let p = k; p < total; p += c) {
        const d0 = x[p] - m0;
        const d1 = x[p + 1] - m1;
        const d2 = x[p + 2] - m2;
        const d3 = x[p + 3] - m3;
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
      }
    } else {
      for (let p = k; p < total; p += c) {
        s0 += x[p];
        s1 += x[p + 1];
        s2 += x[p + 2];
        s3 += x[p + 3];
      }
    }
    out[k] = s0;
    out[k + 1] = s1;
    out[k + 2] = s2;
    out[k + 3] = s3;
  }
  for (; k < c; k++) {
    const m = centre ? centre[k] : 0;
    let s = 0;
    if (centre) {
      for (let p = k; p < total; p += c) s += (x[p] - m) * (x[p] - m);
    } else {
      for (let p = k; p < total; p += c) s += x[p];
    }
    out[k] = s;
  }
  return out;
}

/**
 * y = x * a + b per channel, then max(0, .) when relu. The ReLU is (v + |v|) / 2, which is
 * exactly max(v, 0) for every finite v (and keeps a NaN a NaN): branch-free, so a random sign
 * pattern costs no mispredicted branches (a `v > 0 ? v : 0` here ran about 8x slower).
 */
function affine(x: Float32Array, a: Float64Array, b: Float64Array, relu: boolean, y: Float32Array): void {
  const c = a.length;
  const total = x.length;
  let k = 0;
  for (; k + 4 <= c; k += 4) {
    const a0 = a[k];
    const a1 = a[k + 1];
    const a2 = a[k + 2];
    const a3 = a[k + 3];
    const b0 = b[k];
    const b1 = b[k + 1];
    const b2 = b[k + 2];
    const b3 = b[k + 3];
    if (relu) {
      for (let p = k; p < total; p += c) {
        const v0 = x[p] * a0 + b0;
        const v1 = x[p + 1] * a1 + b1;
        const v2 = x[p + 2] * a2 + b2;
        const v3 = x[p + 3] * a3 + b3;
        y[p] = (v0 + Math.abs(v0)) * 0.5;
        y[p + 1] = (v1 + Math.abs(v1)) * 0.5;
        y[p + 2] = (v2 + Math.abs(v2)) * 0.5;
        y[p + 3] = (v3 + Math.abs(v3)) * 0.5;
      }
    } else {
      for (let p = k; p < total; p += c) {
        y[p] = x[p] * a0 + b0;
        y[p + 1] = x[p + 1] * a1 + b1;
        y[p + 2] = x[p + 2] * a2 + b2;
        y[p + 3] = x[p + 3] * a3 + b3;
      }
    }
  }
  for (; k < c; k++) {
    const ak = a[k];
    const bk = b[k];
    for (let p = k; p < total; p += c) {
      const v = x[p] * ak + bk;
      y[p] = relu ? (v + Math.abs(v)) * 0.5 : v;
    }
  }
}

/** y = gamma (x - mean) / sqrt(var + eps) + beta (then max(0, .) when relu); mean and biased variance out. */
export function batchNormTrainForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  relu: boolean,
  y: Float32Array,
  meanOut: Float32Array,
  varOut: Float32Array,
): void {
  const c = gamma.length;
  const n = x.length / c;
  const mean = channelSums(x, c).map((s) => Math.fround(s / n));
  const sq = channelSums(x, c, mean);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    meanOut[k] = mean[k];
    varOut[k] = sq[k] / n;
    a[k] = gamma[k] / Math.sqrt(varOut[k] + epsilon);
    b[k] = beta[k] - mean[k] * a[k];
  }
  affine(x, a, b, relu, y);
}

/**
 * Per channel: S1 = sum g, S2 = sum g (x - mean), with g = dy masked by y > 0 when y is given.
 * The mask is `+(y > 0)` (1 or 0), a compare without a branch: `y > 0 ? dy : 0` mispredicted on
 * about every other pixel and ran about 7x slower. A masked dy contributes dy * 0, a zero.
 */
function gradientSums(
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array | undefined,
  mean: Float32Array,
): { s1: Float64Array; s2: Float64Array } {
  const c = mean.length;
  const total = x.length;
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  let k = 0;
  for (; k + 4 <= c; k += 4) {
    const m0 = mean[k];
    const m1 = mean[k + 1];
    const m2 = mean[k + 2];
    const m3 = mean[k + 3];
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    // Two copies of one loop: a `y ?` inside it made V8's code for both cases slower.
    if (y) {
      for (let p = k; p < total; p += c) {
        // Masked by the ReLU: a zero output passed no gradient.
        const g0 = dy[p] * +(y[p] > 0);
        const g1 = dy[p + 1] * +(y[p + 1] > 0);
        const g2 = dy[p + 2] * +(y[p + 2] > 0);
        const g3 = dy[p + 3] * +(y[p + 3] > 0);
        a0 += g0;
        a1 += g1;
        a2 += g2;
        a3 += g3;
        b0 += g0 * (x[p] - m0);
        b1 += g1 * (x[p + 1] - m1);
        b2 += g2 * (x[p + 2] - m2);
        b3 += g3 * (x[p + 3] - m3);
      }
    } else {
      for (let p = k; p < total; p += c) {
        const g0 = dy[p];
        const g1 = dy[p + 1];
        const g2 = dy[p + 2];
        const g3 = dy[p + 3];
        a0 += g0;
        a1 += g1;
        a2 += g2;
        a3 += g3;
        b0 += g0 * (x[p] - m0);
        b1 += g1 * (x[p + 1] - m1);
        b2 += g2 * (x[p + 2] - m2);
        b3 += g3 * (x[p + 3] - m3);
      }
    }
    s1[k] = a0;
    s1[k + 1] = a1;
    s1[k + 2] = a2;
    s1[k + 3] = a3;
    s2[k] = b0;
    s2[k + 1] = b1;
    s2[k + 2] = b2;
    s2[k + 3] = b3;
  }
  for (; k < c; k++) {
    const m = mean[k];
    let a = 0;
    let b = 0;
    for (let p = k; p < total; p += c) {
      const g = y ? dy[p] * +(y[p] > 0) : dy[p];
      a += g;
      b += g * (x[p] - m);
    }
    s1[k] = a;
    s2[k] = b;
  }
  return { s1, s2 };
}

/** dx, dgamma, dbeta of batchNormTrainForward; y (its output) is read only when relu. */
export function batchNormTrainBackward(
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array | undefined,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array,
  epsilon: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const c = gamma.length;
  const total = x.length;
  const n = total / c;
  const { s1, s2 } = gradientSums(dy, x, y, mean);
  // dx = scale * g + gx * x + g0 per channel (scale = gamma r, gx = -scale r^2 S2 / n,
  // g0 = scale (r^2 S2 mean / n - S1 / n)): one pass, coefficients in locals.
  const scale = new Float64Array(c);
  const gx = new Float64Array(c);
  const g0 = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const r = 1 / Math.sqrt(variance[k] + epsilon);
    dbeta[k] = s1[k];
    dgamma[k] = r * s2[k];
    const slope = (r * r * s2[k]) / n;
    scale[k] = gamma[k] * r;
    gx[k] = -scale[k] * slope;
    g0[k] = scale[k] * (slope * mean[k] - s1[k] / n);
  }
  let k = 0;
  for (; k + 4 <= c; k += 4) {
    const sc0 = scale[k];
    const sc1 = scale[k + 1];
    const sc2 = scale[k + 2];
    const sc3 = scale[k + 3];
    const gx0 = gx[k];
    const gx1 = gx[k + 1];
    const gx2 = gx[k + 2];
    const gx3 = gx[k + 3];
    const o0 = g0[k];
    const o1 = g0[k + 1];
    const o2 = g0[k + 2];
    const o3 = g0[k + 3];
    if (y) {
      for (let p = k; p < total; p += c) {
        dx[p] = sc0 * dy[p] * +(y[p] > 0) + gx0 * x[p] + o0;
        dx[p + 1] = sc1 * dy[p + 1] * +(y[p + 1] > 0) + gx1 * x[p + 1] + o1;
        dx[p + 2] = sc2 * dy[p + 2] * +(y[p + 2] > 0) + gx2 * x[p + 2] + o2;
        dx[p + 3] = sc3 * dy[p + 3] * +(y[p + 3] > 0) + gx3 * x[p + 3] + o3;
      }
    } else {
      for (let p = k; p < total; p += c) {
        dx[p] = sc0 * dy[p] + gx0 * x[p] + o0;
        dx[p + 1] = sc1 * dy[p + 1] + gx1 * x[p + 1] + o1;
        dx[p + 2] = sc2 * dy[p + 2] + gx2 * x[p + 2] + o2;
        dx[p + 3] = sc3 * dy[p + 3] + gx3 * x[p + 3] + o3;
      }
    }
  }
  for (; k < c; k++) {
    for (let p = k; p < total; p += c) dx[p] = (y ? scale[k] * dy[p] * +(y[p] > 0) : scale[k] * dy[p]) + gx[k] * x[p] + g0[k];
  }
}

/** What the cpu backend offers (tfjs-backend-cpu's MathBackendCPU). */
interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

interface Output {
  /** Writable values; take it after every allocation of the kernel (a wasm heap may grow). */
  view(): Float32Array;
  info(): TensorInfo;
}

/** The two ways a kernel reaches tensor memory: wasm heap views, cpu arrays. */
function access(
  backendName: string,
  backend: unknown,
): { views: (infos: TensorInfo[]) => Float32Array[]; alloc: (shape: number[]) => Output } {
  if (backendName === 'wasm') {
    const b = backend as WasmBackendLike;
    return {
      views: (infos) => infos.map((i) => b.typedArrayFromHeap(i) as Float32Array),
      alloc: (shape) => {
        const info = b.makeOutput(shape, 'float32');
        return { view: () => b.typedArrayFromHeap(info) as Float32Array, info: () => info };
      },
    };
  }
  const b = backend as CpuBackendLike;
  return {
    views: (infos) => infos.map((i) => b.readSync(i.dataId) as Float32Array),
    alloc: (shape) => {
      const values = new Float32Array(tf.util.sizeFromShape(shape));
      return { view: () => values, info: () => b.makeTensorInfo(shape, 'float32', values) };
    },
  };
}

function forwardKernel(backendName: string, relu: boolean): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const c = x.shape[x.shape.length - 1];
    const { views, alloc } = access(backendName, backend);
    const y = alloc([...x.shape]);
    const mean = alloc([c]);
    const variance = alloc([c]);
    const [xv, gv, bv] = views([x, gamma, beta]);
    batchNormTrainForward(xv, gv, bv, (attrs as unknown as BatchNormTrainAttrs).epsilon, relu, y.view(), mean.view(), variance.view());
    return [y.info(), mean.info(), variance.info()];
  };
}

function gradKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, y, mean, variance, gamma } = inputs as Record<string, TensorInfo>;
    const { epsilon, relu } = attrs as unknown as BatchNormTrainAttrs;
    const c = x.shape[x.shape.length - 1];
    const { views, alloc } = access(backendName, backend);
    const dx = alloc([...x.shape]);
    const dgamma = alloc([c]);
    const dbeta = alloc([c]);
    const [dyv, xv, yv, mv, vv, gv] = views([dy, x, y, mean, variance, gamma]);
    batchNormTrainBackward(dyv, xv, relu ? yv : undefined, mv, vv, gv, epsilon, dx.view(), dgamma.view(), dbeta.view());
    return [dx.info(), dgamma.info(), dbeta.info()];
  };
}

/** Backends these kernels are written for. */
export const BN_TRAIN_BACKENDS: readonly string[] = ['wasm', 'cpu'];

function gradient(relu: boolean): tf.GradConfig {
  return {
    kernelName: relu ? BN_RELU_TRAIN : BN_TRAIN,
    inputsToSave: ['x', 'gamma'],
    // y (for the ReLU mask; without ReLU it is passed but not read), mean, variance.
    outputsToSave: [true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
      const [x, gamma, y, mean, variance] = saved;
      // One kernel gives all three gradients; tfjs asks for each in its own tidy, so compute
      // them here (they live as long as any gradient of the backward pass, like tfjs's own).
      const [dx, dgamma, dbeta] = tf
        .engine()
        .runKernel(BN_TRAIN_GRAD, { dy, x, y, mean, variance, gamma }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  };
}

function register(config: tf.KernelConfig): void {
  if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
}

/** Registers the kernels (idempotent). True when the active backend has them. */
export function ensureBatchNormTrain(): boolean {
  const backendName = tf.getBackend();
  if (!BN_TRAIN_BACKENDS.includes(backendName)) return false;
  register({ kernelName: BN_TRAIN, backendName, kernelFunc: forwardKernel(backendName, false) });
  register({ kernelName: BN_RELU_TRAIN, backendName, kernelFunc: forwardKernel(backendName, true) });
  register({ kernelName: BN_TRAIN_GRAD, backendName, kernelFunc: gradKernel(backendName) });
  if (!tf.getGradient(BN_TRAIN)) tf.registerGradient(gradient(false));
  if (!tf.getGradient(BN_RELU_TRAIN)) tf.registerGradient(gradient(true));
  return true;
}

/**
 * Training-mode BatchNorm (+ ReLU) over the last axis: [y, batch mean, batch variance].
 * Call ensureBatchNormTrain() first; differentiable through y.
 */
export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  attrs: BatchNormTrainAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const name = attrs.relu ? BN_RELU_TRAIN : BN_TRAIN;
  return tf.engine().runKernel(name, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as unknown as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}
