/**
 * ResizeNearestNeighborGrad for wasm as a scatter-add: every dy pixel adds into the one input
 * pixel it was copied from. The stock kernel searches a window of dy for every dx element.
 * Same source-index arithmetic as the cpu kernel (alignCorners honoured; like every tfjs
 * backend's gradient, halfPixelCenters is not).
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackendLike } from './wasm-backend';

interface Args {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: { alignCorners: boolean };
}

/** For each dy index along one axis, the input index it was read from. */
function sources(inSize: number, outSize: number, alignCorners: boolean): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const scale = effIn / effOut;
  const out = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const frac = i * scale;
    out[i] = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  }
  return out;
}

export function makeResizeNearestNeighborGrad(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as Args;
    const { images, dy } = inputs;
    if (dy.dtype !== 'float32' || images.shape.length !== 4) {
      if (stock) return stock(args);
      throw new Error('ResizeNearestNeighborGrad: unsupported input');
    }
    const [batch, xh, xw, depth] = images.shape;
    const [, yh, yw] = dy.shape;
    const rows = sources(xh, yh, attrs.alignCorners);
    const cols = sources(xw, yw, attrs.alignCorners);
    const out = backend.makeOutput([batch, xh, xw, depth], 'float32');
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    const g = backend.typedArrayFromHeap(dy) as Float32Array;
    dx.fill(0);
    let s = 0;
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < yh; r++) {
        const rowBase = (b * xh + rows[r]) * xw;
        for (let c = 0; c < yw; c++) {
          let d = (rowBase + cols[c]) * depth;
          const end = d + depth;
          while (d < end) dx[d++] += g[s++];
        }
      }
    }
    return out;
  };
}
