/**
 * Quantization rules shared by the writers: weight-only (ONNX, tfjs, TFLite), and the activation
 * parameters of the static int8 exports (ONNX int8-qdq, TFLite int8-full). Only rank>1 kernels are
 * quantized (they are >99 % of the bytes); biases and BatchNorm parameters stay float32,
 * because a small rounding of a BN variance moves every activation after it.
 */

function roundHalfEven(y: number): number {
  const f = Math.floor(y);
  const d = y - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** IEEE-754 binary16 bits of `v`, round to nearest even (as a hardware conversion). */
export function toFloat16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00; // rounds past the largest half (65504)
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal; 1024 carries into the smallest normal
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  return out;
}

export interface Int8PerChannel {
  q: Int8Array;
  /** One scale per output channel (axis 0 of the layout passed in); zero point 0. */
  scales: Float32Array;
}

/**
 * Symmetric int8 with one scale per slice of axis 0 (ONNX W layout [out, in, kh, kw]).
 * Zero maps to exactly 0, so pruned weights stay pruned; a fully pruned channel gets scale 1.
 */
export function quantizeInt8PerChannel(values: Float32Array, channels: number): Int8PerChannel {
  const per = values.length / channels;
  const q = new Int8Array(values.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let i = c * per; i < (c + 1) * per; i++) max = Math.max(max, Math.abs(values[i]));
    const s = max > 0 ? Math.fround(max / 127) : 1;
    scales[c] = s;
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i] / s)));
  }
  return { q, scales };
}

export interface Uint8Affine {
  q: Uint8Array;
  scale: number;
  min: number;
}

/**
 * tfjs weights-manifest uint8 quantization (value = q * scale + min, per tensor). The range
 * is nudged so that 0 is a grid point and min = -zeroPoint * scale exactly, which makes
 * tfjs decode zero weights to exactly 0 (the same nudging as tfjs-converter's quantizer).
 */
export function quantizeUint8Affine(values: Float32Array): Uint8Affine {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.round(-lo / scale);
  const min = -zeroPoint * scale;
  const q = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(0, Math.min(255, Math.round(values[i] / scale) + zeroPoint));
  return { q, scale, min };
}

/**
 * Asymmetric 8-bit parameters of a calibrated activation range, widened to hold 0 so that zero
 * padding is exact: scale = (max - min) / 255, uint8 zero point in [0, 255]; the int8 zero point
 * (TFLite's int8 activations) is the uint8 one minus 128, in [-128, 127].
 */
export function activationParams(r: { min: number; max: number }, type: 'uint8' | 'int8'): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = hi > lo ? Math.fround((hi - lo) / 255) : 1;
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-lo / scale)));
  return { scale, zeroPoint: type === 'uint8' ? zeroPoint : zeroPoint - 128 };
}
