/**
 * ResizeNearestNeighborGrad as a scatter-add: every dy pixel adds into the one input pixel it
 * was copied from. Same source-index arithmetic as the tfjs kernels (alignCorners honoured;
 * like every tfjs backend's gradient, halfPixelCenters is not).
 *
 * wasm: the stock kernel searches a window of dy for every dx element (slow).
 * cpu: the stock kernel (tfjs-backend-cpu 4.22) offsets dy by the *input's* batch stride, so its
 * gradient is wrong for every image after the first; this kernel replaces it there too.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmBackendLike } from './wasm-backend';

interface Args<B> {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: B;
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

/** dx (zeroed by the caller) += scatter of g, for images [batch, xh, xw, depth] and dy [batch, yh, yw, depth]. */
function scatter(dx: Float32Array, g: Float32Array | Float64Array, images: number[], dy: number[], alignCorners: boolean): void {
  const [batch, xh, xw, depth] = images;
  const [, yh, yw] = dy;
  const rows = sources(xh, yh, alignCorners);
  const cols = sources(xw, yw, alignCorners);
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
}

const supported = (a: { inputs: { images: TensorInfo; dy: TensorInfo } }) =>
  a.inputs.dy.dtype === 'float32' && a.inputs.images.shape.length === 4 && a.inputs.dy.shape.length === 4;

export function makeResizeNearestNeighborGrad(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const a = args as unknown as Args<WasmBackendLike>;
    if (!supported(a)) {
      if (stock) return stock(args);
      throw new Error('ResizeNearestNeighborGrad: unsupported input');
    }
    const { inputs, backend, attrs } = a;
    const out = backend.makeOutput([...inputs.images.shape], 'float32');
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    scatter(dx, backend.typedArrayFromHeap(inputs.dy) as Float32Array, inputs.images.shape, inputs.dy.shape, attrs.alignCorners);
    return out;
  };
}

/** What the portable kernel needs from a backend (the cpu backend has both). */
interface PortableBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

/** Backend-neutral version (readSync + makeTensorInfo), used to correct the cpu backend. */
export function makeResizeNearestNeighborGradPortable(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const a = args as unknown as Args<PortableBackend>;
    if (!supported(a)) {
      if (stock) return stock(args);
      throw new Error('ResizeNearestNeighborGrad: unsupported input');
    }
    const { inputs, backend, attrs } = a;
    const dx = new Float32Array(inputs.images.shape.reduce((p, d) => p * d, 1));
    scatter(dx, backend.readSync(inputs.dy.dataId) as Float32Array, inputs.images.shape, inputs.dy.shape, attrs.alignCorners);
    return backend.makeTensorInfo([...inputs.images.shape], 'float32', dx);
  };
}
