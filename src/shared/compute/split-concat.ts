/**
 * SplitV and Concat for wasm as strided block copies in one pass. Splitting or joining NHWC
 * activations along channels (the UNet skip concatenation and its gradient) moves short runs
 * of C floats per pixel; the stock SplitV copies the whole input out of the heap once per
 * output and then slices it element-row by element-row.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackendLike } from './wasm-backend';

type Typed = Float32Array | Int32Array | Uint8Array;

/** dst[o*dstStride + dstOff + j] = src[o*srcStride + srcOff + j] for o < outer, j < len. */
function copyRuns(src: Typed, srcStride: number, srcOff: number, dst: Typed, dstStride: number, dstOff: number, outer: number, len: number): void {
  if (len >= 64) {
    for (let o = 0; o < outer; o++) {
      const s = o * srcStride + srcOff;
      dst.set(src.subarray(s, s + len), o * dstStride + dstOff);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    let s = o * srcStride + srcOff;
    let d = o * dstStride + dstOff;
    const end = d + len;
    while (d < end) dst[d++] = src[s++];
  }
}

export function makeSplitV(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { x: TensorInfo };
      backend: WasmBackendLike;
      attrs: { numOrSizeSplits: number[] | number; axis: number };
    };
    const { x } = inputs;
    if (x.dtype === 'string') {
      if (stock) return stock(args);
      throw new Error('SplitV: string tensors are not supported');
    }
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, attrs.numOrSizeSplits, axis);
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    const rowLen = x.shape[axis] * inner;
    const outs = sizes.map((s) => {
      const shape = [...x.shape];
      shape[axis] = s;
      return backend.makeOutput(shape, x.dtype);
    });
    // Views only after every allocation: an allocation can grow (and detach) the heap.
    const src = backend.typedArrayFromHeap(x);
    let begin = 0;
    outs.forEach((out, i) => {
      const len = sizes[i] * inner;
      if (len > 0) copyRuns(src, rowLen, begin, backend.typedArrayFromHeap(out), len, 0, outer, len);
      begin += len;
    });
    return outs as unknown as TensorInfo;
  };
}

export function makeConcat(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: TensorInfo[];
      backend: WasmBackendLike;
      attrs: { axis: number };
    };
    const list = inputs;
    if (list.length < 2 || list[0].dtype === 'string' || list.some((t) => t.dtype !== list[0].dtype)) {
      if (stock) return stock(args);
      throw new Error('Concat: unsupported inputs');
    }
    const axis = tf.util.parseAxisParam(attrs.axis, list[0].shape)[0];
    tf.backend_util.assertParamsConsistent(list.map((t) => t.shape), axis);
    const outShape = tf.backend_util.computeOutShape(list.map((t) => t.shape), axis);
    const out = backend.makeOutput(outShape, list[0].dtype);
    const dst = backend.typedArrayFromHeap(out);
    const outer = tf.util.sizeFromShape(outShape.slice(0, axis));
    const inner = tf.util.sizeFromShape(outShape.slice(axis + 1));
    const rowLen = outShape[axis] * inner;
    let begin = 0;
    for (const t of list) {
      const len = t.shape[axis] * inner;
      if (len > 0 && outer > 0) copyRuns(backend.typedArrayFromHeap(t), len, 0, dst, rowLen, begin, outer, len);
      begin += len;
    }
    return out;
  };
}
