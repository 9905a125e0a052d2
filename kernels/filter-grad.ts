// AssemblyScript (compiled to WebAssembly SIMD by scripts/build-kernels.mjs; not TypeScript).
//
// The filter gradient of a 2-D convolution (NHWC, dilation 1):
//   dW[i, j, c, o] = sum over (n, a, b) of x[n, a*sh + i - top, b*sw + j - left, c] * dy[n, a, b, o]
// read straight from x and dy: no transposed or shifted copies. Why: as XNNPACK matrix products
// this gradient cost ~2x the forward convolution, a third of it spent in JavaScript moving x and
// dy into the layouts a GEMM wants (docs/performance.md).
//
// Register tile: 4 input channels x 8 output channels (eight f32x4 accumulators). For every
// position the tile loads 4 x values (splat) and 8 dy values: 32 multiply-adds. Positions are
// taken in blocks of about BLOCK of them (whole dy rows) so that a block's x and dy rows stay in
// cache while every tap and tile walks them; each tile's f32 sums over one block are added to
// float64 accumulators, in a fixed order (deterministic, and the f32 sums stay short).
//
// Caller's contract (see src/shared/compute/conv2d-backprop-filter.ts): byte offsets into this
// module's memory; ci a multiple of 4 and co of 8 (zero-padded channels); acc zeroed float64
// [kh, kw, ci, co]; runs room for 8 bytes per dy row of a block.

// One row of the block that a tap reaches: float offsets of its first x and dy values.
@inline function runX(runs: usize, k: i32): i32 {
  return load<i32>(runs + (<usize>k << 3));
}
@inline function runDy(runs: usize, k: i32): i32 {
  return load<i32>(runs + (<usize>k << 3), 4);
}

// Integer division rounding down / up (i32 division truncates towards zero).
@inline function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
@inline function ceilDiv(a: i32, b: i32): i32 {
  return -floorDiv(-a, b);
}

@inline function addTo(p: usize, v: v128): void {
  // Lanes 0-1 and 2-3 of an f32x4, widened to float64 and added to acc.
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))), 16);
}

export function filterGrad(
  x: usize,
  dy: usize,
  acc: usize,
  runs: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  ho: i32,
  wo: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  top: i32,
  left: i32,
  block: i32,
): void {
  const rows = n * ho;
  const rowsPerBlock = max(1, block / wo);
  const xStep = <usize>(sw * ci) << 2;
  const dyStep = <usize>co << 2;
  for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
    const r1 = min(rows, r0 + rowsPerBlock);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // dy columns whose x column lies inside x: [b0, b1).
        const b0 = max(0, ceilDiv(left - j, sw));
        const b1 = min(wo, floorDiv(w - 1 - j + left, sw) + 1);
        if (b1 <= b0) continue;
        const len = b1 - b0;
        let nr = 0;
        for (let r = r0; r < r1; r++) {
          const img = r / ho;
          const y = (r - img * ho) * sh + i - top;
          if (y < 0 || y >= h) continue;
          store<i32>(runs + (<usize>nr << 3), ((img * h + y) * w + b0 * sw + j - left) * ci);
          store<i32>(runs + (<usize>nr << 3), (r * wo + b0) * co, 4);
          nr++;
        }
        if (nr == 0) continue;
        const tapAcc = acc + ((<usize>((i * kw + j) * ci * co)) << 3);
        for (let c0 = 0; c0 < ci; c0 += 4) {
          for (let o0 = 0; o0 < co; o0 += 8) {
            let a0 = f32x4.splat(0);
            let a1 = f32x4.splat(0);
            let a2 = f32x4.splat(0);
            let a3 = f32x4.splat(0);
            let a4 = f32x4.splat(0);
            let a5 = f32x4.splat(0);
            let a6 = f32x4.splat(0);
            let a7 = f32x4.splat(0);
            for (let k = 0; k < nr; k++) {
              let xp = x + (<usize>(runX(runs, k) + c0) << 2);
              let dp = dy + (<usize>(runDy(runs, k) + o0) << 2);
              for (let t = 0; t < len; t++) {
                const d0 = v128.load(dp);
                const d1 = v128.load(dp, 16);
                const x0 = v128.load32_splat(xp);
                a0 = f32x4.add(a0, f32x4.mul(x0, d0));
                a1 = f32x4.add(a1, f32x4.mul(x0, d1));
                const x1 = v128.load32_splat(xp, 4);
                a2 = f32x4.add(a2, f32x4.mul(x1, d0));
                a3 = f32x4.add(a3, f32x4.mul(x1, d1));
                const x2 = v128.load32_splat(xp, 8);
                a4 = f32x4.add(a4, f32x4.mul(x2, d0));
                a5 = f32x4.add(a5, f32x4.mul(x2, d1));
                const x3 = v128.load32_splat(xp, 12);
                a6 = f32x4.add(a6, f32x4.mul(x3, d0));
                a7 = f32x4.add(a7, f32x4.mul(x3, d1));
                xp += xStep;
                dp += dyStep;
              }
            }
            const p = tapAcc + ((<usize>(c0 * co + o0)) << 3);
            const rowBytes = <usize>co << 3;
            addTo(p, a0);
            addTo(p + 32, a1);
            addTo(p + rowBytes, a2);
            addTo(p + rowBytes + 32, a3);
            addTo(p + 2 * rowBytes, a4);
            addTo(p + 2 * rowBytes + 32, a5);
            addTo(p + 3 * rowBytes, a6);
            addTo(p + 3 * rowBytes + 32, a7);
          }
        }
      }
    }
  }
}
