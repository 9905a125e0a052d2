/**
 * Conv2DBackpropFilter for wasm (stock wasm has none, so it cannot train convolutions) as one
 * forward Conv2D (XNNPACK):
 *   dW[i, j, ci, co] = sum_{n, a, b} x[n, a*s + i - pad, b*s + j - pad, ci] * dy[n, a, b, co]
 * is a convolution of x^T = [Ci, H, W, N] (input channels ci become the batch, the batch becomes
 * the channels) with dy^T = [Ho, Wo, N, Co] used as the filter, stride 1 and dilation s; its
 * output is [Ci, kh, kw, Co].
 */
import * as tf from '@tensorflow/tfjs';
import { dispose, heapF32, requireChannelsLast, runKernel, type TensorInfo, type WasmBackendLike } from './wasm-backend';

interface Args {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: tf.Conv2DBackpropFilterAttrs;
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
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows of x past the last one the forward conv read get no gradient: rather than cropping x,
  // compute a few extra (tiny) output taps and drop them below.
  const bottom = Math.max(0, kh - 1 + (info.outHeight - 1) * sh + 1 - info.inHeight - top);
  const right = Math.max(0, kw - 1 + (info.outWidth - 1) * sw + 1 - info.inWidth - left);

  const xt = runKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const dyt = runKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runKernel('Conv2D', backend, { x: xt, filter: dyt }, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dilations: [sh, sw],
    dataFormat: 'NHWC',
  });
  dispose(backend, xt, dyt);

  const [, kh2, kw2] = conv.shape;
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  const src = heapF32(backend, conv);
  const dst = heapF32(backend, out);
  for (let c = 0; c < ci; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const s = ((c * kh2 + i) * kw2 + j) * co;
        const d = ((i * kw + j) * ci + c) * co;
        for (let o = 0; o < co; o++) dst[d + o] = src[s + o];
      }
    }
  }
  dispose(backend, conv);
  return out;
};
