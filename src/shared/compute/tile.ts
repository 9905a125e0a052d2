/**
 * Tile for wasm as block copies. The stock kernel walks every output element with index
 * arithmetic; core's BatchNorm gradient tiles a [1,1,1,C] vector to the full activation
 * shape once per BatchNorm layer, which made Tile the second-largest cost of a training step.
 * Here each innermost row is copied once and every tiled block is replicated by doubling
 * copyWithin calls, i.e. at memcpy speed.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackendLike } from './wasm-backend';

type Typed = Float32Array | Int32Array | Uint8Array;

interface Args {
  inputs: { x: TensorInfo };
  backend: WasmBackendLike;
  attrs: { reps: number[] };
}

/** Fill out[0, count*block) with `count` copies of out[0, block) (block already written). */
function replicate(out: Typed, start: number, block: number, count: number): void {
  let filled = block;
  const total = block * count;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

export function makeTile(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as Args;
    const { x } = inputs;
    const reps = attrs.reps;
    if (x.dtype === 'string' || x.shape.length === 0 || reps.length !== x.shape.length) {
      if (stock) return stock(args);
      throw new Error(`Tile: unsupported input ${x.dtype} ${JSON.stringify(x.shape)}`);
    }
    const rank = x.shape.length;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    if (dst.length === 0) return out;
    // Strides of x and of out, in elements.
    const xStride = new Array<number>(rank);
    const oStride = new Array<number>(rank);
    xStride[rank - 1] = 1;
    oStride[rank - 1] = 1;
    for (let d = rank - 2; d >= 0; d--) {
      xStride[d] = xStride[d + 1] * x.shape[d + 1];
      oStride[d] = oStride[d + 1] * outShape[d + 1];
    }
    // Writes the block out[dstOff, dstOff + oStride[d-1]) (or the whole output for d = 0),
    // i.e. x's slice at srcOff tiled over dimensions d..rank-1.
    const fill = (d: number, srcOff: number, dstOff: number): void => {
      const n = x.shape[d];
      if (d === rank - 1) {
        dst.set(src.subarray(srcOff, srcOff + n), dstOff);
      } else {
        for (let i = 0; i < n; i++) fill(d + 1, srcOff + i * xStride[d], dstOff + i * oStride[d]);
      }
      replicate(dst, dstOff, n * oStride[d], reps[d]);
    };
    fill(0, 0, 0);
    return out;
  };
}
