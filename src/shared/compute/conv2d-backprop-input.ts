/**
 * Conv2DBackpropInput for wasm as one stride-1 forward Conv2D (XNNPACK) over dy with a
 * phase-rearranged filter, then a phase interleave back to the input grid. Stock wasm runs this
 * gradient as a plain scalar loop.
 */
import * as tf from '@tensorflow/tfjs';
import { phaseAxis, type PhaseAxis } from './conv-geometry';
import { dispose, heapF32, requireChannelsLast, runKernel, type TensorInfo, type WasmBackendLike } from './wasm-backend';

interface Args {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackendLike;
  attrs: tf.Conv2DBackpropInputAttrs;
}

/** Filter G[t, u, co, (P*sw + Q)*Ci + ci] = f[rows.tap(P,t), cols.tap(Q,u), ci, co], zero where a phase has no tap. */
function phaseFilter(backend: WasmBackendLike, filter: TensorInfo, rows: PhaseAxis, cols: PhaseAxis): TensorInfo {
  const [, kw, ci, co] = filter.shape;
  const sh = rows.stride;
  const sw = cols.stride;
  const c2 = sh * sw * ci;
  const g = backend.makeOutput([rows.taps, cols.taps, co, c2], 'float32');
  const f = heapF32(backend, filter);
  const gv = heapF32(backend, g);
  gv.fill(0);
  for (let t = 0; t < rows.taps; t++) {
    for (let u = 0; u < cols.taps; u++) {
      const gBase = (t * cols.taps + u) * co * c2;
      for (let p = 0; p < sh; p++) {
        const i = rows.tapIndex(p, t);
        if (i < 0) continue;
        for (let q = 0; q < sw; q++) {
          const j = cols.tapIndex(q, u);
          if (j < 0) continue;
          const fBase = (i * kw + j) * ci * co;
          const phase = (p * sw + q) * ci;
          for (let o = 0; o < co; o++) {
            const dst = gBase + o * c2 + phase;
            for (let c = 0; c < ci; c++) gv[dst + c] = f[fBase + c * co + o];
          }
        }
      }
    }
  }
  return g;
}

/** out[n, sh*A + P, sw*B + Q, c] = phases[n, A, B, (P*sw + Q)*C + c], cropped to H x W. */
function interleave(backend: WasmBackendLike, phases: TensorInfo, outShape: number[], sh: number, sw: number): TensorInfo {
  const [n, h, w, c] = outShape;
  const [, ra, ca, c2] = phases.shape;
  const out = backend.makeOutput(outShape, 'float32');
  const src = heapF32(backend, phases);
  const dst = heapF32(backend, out);
  for (let b = 0; b < n; b++) {
    for (let a = 0; a < ra; a++) {
      for (let p = 0; p < sh; p++) {
        const y = a * sh + p;
        if (y >= h) break;
        const dstRow = (b * h + y) * w * c;
        const srcRow = (b * ra + a) * ca * c2 + p * sw * c;
        for (let bx = 0; bx < ca; bx++) {
          for (let q = 0; q < sw; q++) {
            const x = bx * sw + q;
            if (x >= w) break;
            let s = srcRow + bx * c2 + q * c;
            let d = dstRow + x * c;
            const end = d + c;
            while (d < end) dst[d++] = src[s++];
          }
        }
      }
    }
  }
  return out;
}

export function makeConv2DBackpropInput(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as Args;
    const { dy, filter } = inputs;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
    requireChannelsLast('Conv2DBackpropInput', dataFormat);
    const info = tf.backend_util.computeConv2DInfo(
      inputShape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const rows = phaseAxis(info.filterHeight, info.strideHeight, info.padInfo.top, info.inHeight, info.outHeight);
    const cols = phaseAxis(info.filterWidth, info.strideWidth, info.padInfo.left, info.inWidth, info.outWidth);
    if (!rows || !cols) {
      if (stock) return stock(args);
      throw new Error(`Conv2DBackpropInput: unsupported padding ${JSON.stringify(pad)} for filter ${filter.shape}`);
    }
    const g = phaseFilter(backend, filter, rows, cols);
    const phases = runKernel(
      'Conv2D',
      backend,
      { x: dy, filter: g },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [rows.padBefore, rows.padAfter],
          [cols.padBefore, cols.padAfter],
          [0, 0],
        ],
        dilations: [1, 1],
        dataFormat: 'NHWC',
      },
    );
    dispose(backend, g);
    const outShape = [...inputShape];
    if (rows.stride === 1 && cols.stride === 1 && phases.shape[1] === outShape[1] && phases.shape[2] === outShape[2]) {
      return phases;
    }
    const out = interleave(backend, phases, outShape, rows.stride, cols.stride);
    dispose(backend, phases);
    return out;
  };
}
