/**
 * Sum and Mean for wasm when the reduced axes are the leading ones (BatchNorm moments and bias
 * gradients reduce NHWC over N, H, W). The stock kernels first transpose the whole activation
 * so the reduced axes become innermost; summing columns in place avoids that copy. Other axis
 * sets and dtypes go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackendLike } from './wasm-backend';

interface Args {
  inputs: { x: TensorInfo };
  backend: WasmBackendLike;
  attrs: { axis: number | number[]; keepDims: boolean };
}

/** Number of leading axes reduced, or -1 when the axes are not exactly a leading prefix. */
function leadingPrefix(axes: number[], rank: number): number {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length >= rank) return -1;
  return sorted.every((a, i) => a === i) ? sorted.length : -1;
}

function makeReduce(mean: boolean, stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as Args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
    const k = leadingPrefix(axes, rank);
    const outer = tf.util.sizeFromShape(x.shape.slice(0, k));
    if (x.dtype !== 'float32' || k < 0 || outer === 0) {
      if (stock) return stock(args);
      throw new Error(`${mean ? 'Mean' : 'Sum'}: unsupported axes ${JSON.stringify(attrs.axis)}`);
    }
    const inner = tf.util.sizeFromShape(x.shape.slice(k));
    const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const acc = new Float64Array(inner);
    const out = backend.makeOutput(outShape, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    for (let o = 0, off = 0; o < outer; o++, off += inner) {
      for (let i = 0; i < inner; i++) acc[i] += src[off + i];
    }
    const scale = mean ? 1 / outer : 1;
    for (let i = 0; i < inner; i++) dst[i] = acc[i] * scale;
    return out;
  };
}

export const makeSum = (stock?: tf.KernelFunc) => makeReduce(false, stock);
export const makeMean = (stock?: tf.KernelFunc) => makeReduce(true, stock);
