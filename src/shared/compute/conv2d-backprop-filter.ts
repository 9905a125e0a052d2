/**
 * Conv2DBackpropFilter for wasm (stock wasm has none, so it cannot train convolutions):
 *   dW[i, j, ci, co] = sum_{n, a, b} x[n, a*s + i - pad, b*s + j - pad, ci] * dy[n, a, b, co]
 * computed by our SIMD kernel (kernels/filter-grad.ts) straight from x and dy in NHWC.
 *
 * Porting note: two earlier versions went through XNNPACK. A convolution with dy as a Ho x Wo
 * filter and x's channels as the batch cost ~2.2x the forward convolution (the indirect GEMM read
 * N floats per pointer); one GEMM per filter tap over x transposed onto a padded grid cost ~2x,
 * a third of it transposing and shifting operands in JavaScript, because tfjs-backend-wasm's
 * BatchMatMul takes no strides. The kernel reads the shifted rows in place instead.
 *
 * The kernel works on 4 input x 8 output channels at a time: channel counts that are not
 * multiples of 4 and 8 are zero-padded in its memory (the network's first and last layers).
 * Sums run in a fixed order and end in float64: the result is deterministic.
 */
import * as tf from '@tensorflow/tfjs';
import { getFilterGradKernel } from './simd-kernels';
import { heapF32, requireChannelsLast, type TensorInfo, type WasmBackendLike } from './wasm-backend';

interface Args {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: tf.Conv2DBackpropFilterAttrs;
}

/**
 * Positions (dy pixels) per block: a block's x and dy rows stay in cache while all taps and
 * channel tiles walk them, and each tile's float32 sum covers at most this many products.
 */
const BLOCK = 256;

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;

/** Copy rows of `from` channels into rows of `to` >= from channels, zero-padded. */
function copyPadded(dst: Float32Array, src: Float32Array, from: number, to: number): void {
  if (from === to) {
    dst.set(src);
    return;
  }
  dst.fill(0);
  const pixels = src.length / from;
  for (let p = 0, s = 0, d = 0; p < pixels; p++, d += to - from) {
    for (let c = 0; c < from; c++) dst[d++] = src[s++];
  }
}

export const conv2DBackpropFilter: tf.KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as Args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  requireChannelsLast('Conv2DBackpropFilter', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const ci4 = roundUp(ci, 4);
  const co8 = roundUp(co, 8);
  const rowsPerBlock = Math.max(1, Math.floor(BLOCK / wo));

  // Kernel memory: x, dy, the float64 sums, one (x, dy) offset pair per dy row of a block.
  const xAt = 0;
  const dyAt = roundUp(xAt + n * h * w * ci4 * 4, 16);
  const accAt = roundUp(dyAt + n * ho * wo * co8 * 4, 16);
  const runsAt = accAt + kh * kw * ci4 * co8 * 8;
  const end = runsAt + rowsPerBlock * 8;
  const kernel = getFilterGradKernel();
  const memory = kernel.reserve(end);
  copyPadded(new Float32Array(memory, xAt, n * h * w * ci4), heapF32(backend, x), ci, ci4);
  copyPadded(new Float32Array(memory, dyAt, n * ho * wo * co8), heapF32(backend, dy), co, co8);
  const acc = new Float64Array(memory, accAt, kh * kw * ci4 * co8);
  acc.fill(0);
  kernel.filterGrad(xAt, dyAt, accAt, runsAt, n, h, w, ci4, ho, wo, co8, kh, kw, sh, sw, info.padInfo.top, info.padInfo.left, BLOCK);

  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  const ov = heapF32(backend, out);
  for (let t = 0, o = 0; t < kh * kw; t++) {
    for (let c = 0; c < ci; c++) {
      const row = (t * ci4 + c) * co8;
      for (let k = 0; k < co; k++) ov[o++] = acc[row + k];
    }
  }
  return out;
};
