/**
 * Conv2DBackpropFilter for wasm (stock wasm has none, so it cannot train convolutions) as one
 * matrix product per filter tap on XNNPACK's fully-connected (GEMM) path:
 *   dW[i, j, ci, co] = sum_{n, a, b} x[n, a*s + i - pad, b*s + j - pad, ci] * dy[n, a, b, co]
 *
 * Put dy on a grid G = [N, Ho + qh, Wo + qw] (zeros outside the Ho x Wo block; qh = (kh-1) div s)
 * as a matrix B = [|G|, Co]. Split x by stride phase (i mod s, j mod s) and transpose each phase
 * onto the same grid, channels first: A_phase[ci, n, A, B'] = x[n, s*A + ph - pad, s*B' + pw - pad, ci].
 * Tap (i, j) = (ph + s qi, pw + s qj) then reads A_phase shifted by qi rows and qj columns,
 * which on the flattened grid is ONE contiguous block at offset qi*(Wo+qw) + qj: its product
 * with B is dW[i, j] ([Ci, Co]). Grid cells outside Ho x Wo meet zeros in B, so the shifted
 * reads that cross a row or an image contribute nothing.
 *
 * Cost: one transpose of x per phase, one copy of dy, and for each chunk of grid rows one packed
 * B and kh*kw GEMMs of Ci x chunk x Co (together the forward convolution's multiply-adds).
 * The earlier formulation (a convolution with dy as a Ho x Wo filter, x's channels as the
 * batch) spent about 2.2x the forward convolution's CPU time on the reference network (XNNPACK's
 * indirect GEMM then reads only N floats per pointer); this one about 1.8x (docs/performance.md).
 */
import * as tf from '@tensorflow/tfjs';
import { dispose, heapF32, requireChannelsLast, runKernel, type TensorInfo, type WasmBackendLike } from './wasm-backend';

interface Args {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: tf.Conv2DBackpropFilterAttrs;
}

/**
 * dst[ci * g + (n*gh + A)*gw + B] = x[n, s*A + ph - top, s*B + pw - left, ci] (0 outside x), for
 * A < gh, B < gw; dst is zeroed first.
 */
function transposePhase(
  dst: Float32Array,
  x: Float32Array,
  shape: readonly number[],
  gh: number,
  gw: number,
  sh: number,
  sw: number,
  rowOffset: number,
  colOffset: number,
): void {
  const [n, h, w, ci] = shape;
  const g = n * gh * gw;
  dst.fill(0);
  // Grid columns whose x column lies inside x: [b0, b1).
  const b0 = Math.max(0, Math.ceil(-colOffset / sw));
  const b1 = Math.min(gw, Math.floor((w - 1 - colOffset) / sw) + 1);
  if (b1 <= b0) return;
  const pixStep = sw * ci;
  for (let b = 0; b < n; b++) {
    for (let a = 0; a < gh; a++) {
      const y = sh * a + rowOffset;
      if (y < 0 || y >= h) continue;
      // One grid row: its x pixels (about 100 x ci floats) stay in L1 while each channel's
      // run is written contiguously.
      const dstRow = (b * gh + a) * gw;
      const src0 = ((b * h + y) * w + sw * b0 + colOffset) * ci;
      for (let k = 0; k < ci; k++) {
        let d = k * g + dstRow + b0;
        const end = d + (b1 - b0);
        for (let s = src0 + k; d < end; d++, s += pixStep) dst[d] = x[s];
      }
    }
  }
}

/**
 * Grid rows per matrix product. XNNPACK's GEMM streams the whole reduction dimension for every
 * output tile; a chunk keeps A's rows and B's panel in cache (one product over all |G| rows
 * of the 128 px decoder layer ran at 60 % of the forward convolution's speed).
 */
const CHUNK = 2048;

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
  const { batchSize: n, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co } = info;
  const { outHeight: ho, outWidth: wo } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const qh = Math.floor((kh - 1) / sh);
  const qw = Math.floor((kw - 1) / sw);
  const gh = ho + qh;
  const gw = wo + qw;
  const g = n * gh * gw;

  // dy on the grid, [|G|, Co], in ordinary memory (B chunks are copied from it).
  const dyGrid = new Float32Array(g * co);
  {
    const dyv = heapF32(backend, dy);
    const run = wo * co;
    for (let img = 0; img < n; img++) {
      for (let r = 0; r < ho; r++) {
        const s = (img * ho + r) * run;
        dyGrid.set(dyv.subarray(s, s + run), (img * gh + r) * gw * co);
      }
    }
  }
  // The transposed phases of x ([Ci, |G|] each, plus room for the largest shift).
  const phases: { ph: number; pw: number; data: Float32Array }[] = [];
  for (let ph = 0; ph < Math.min(sh, kh); ph++) {
    for (let pw = 0; pw < Math.min(sw, kw); pw++) {
      const data = new Float32Array(ci * g + qh * gw + qw);
      transposePhase(data, heapF32(backend, x), x.shape, gh, gw, sh, sw, ph - top, pw - left);
      phases.push({ ph, pw, data });
    }
  }
  // Sums over chunks in a fixed order (deterministic), in float64.
  const acc = new Float64Array(kh * kw * ci * co);
  for (let k0 = 0; k0 < g; k0 += CHUNK) {
    const kc = Math.min(CHUNK, g - k0);
    const b = backend.makeOutput([1, kc, co], 'float32');
    heapF32(backend, b).set(dyGrid.subarray(k0 * co, (k0 + kc) * co));
    const a = backend.makeOutput([1, ci, kc], 'float32');
    for (const { ph, pw, data } of phases) {
      for (let i = ph; i < kh; i += sh) {
        for (let j = pw; j < kw; j += sw) {
          const off = ((i - ph) / sh) * gw + (j - pw) / sw + k0;
          const av = heapF32(backend, a);
          for (let c = 0; c < ci; c++) av.set(data.subarray(c * g + off, c * g + off + kc), c * kc);
          // B is the same tensor for every tap of this chunk: XNNPACK packs it once (cached by id).
          const prod = runKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
          const pv = heapF32(backend, prod);
          const base = (i * kw + j) * ci * co;
          for (let e = 0; e < ci * co; e++) acc[base + e] += pv[e];
          dispose(backend, prod);
        }
      }
    }
    dispose(backend, a, b);
  }
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  heapF32(backend, out).set(acc);
  return out;
};
