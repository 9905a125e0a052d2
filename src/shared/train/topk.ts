import { StudioError } from '../errors';

/**
 * Global magnitude threshold: the single implementation shared by CrAM's in-step
 * compression and one-shot pruning.
 *
 * Convention: k = round(sparsity * N) weights are to be removed; the threshold is the k-th
 * smallest |w| over all arrays (1-based), and the caller zeroes every weight with
 * |w| <= threshold. With ties at the threshold slightly more than k are zeroed; for
 * sparsity 0 (k = 0) the threshold is -Infinity, so nothing is zeroed.
 *
 * Exact, O(N), no copy of the data: for non-negative IEEE floats the bit pattern orders
 * like the value, so a two-pass radix select over the upper and lower 16 bits of
 * (bits & 0x7fffffff) finds the k-th smallest magnitude. NaN sorts above +Infinity.
 */
export function globalMagnitudeThreshold(arrays: readonly Float32Array[], sparsity: number): number {
  if (!(sparsity >= 0 && sparsity <= 1)) {
    throw new StudioError({
      code: 'bad-input',
      what: `Sparsity ${sparsity} is outside [0, 1]`,
      hint: 'Give the fraction of weights to remove, e.g. 0.9',
    });
  }
  let n = 0;
  for (const a of arrays) n += a.length;
  const k = Math.round(sparsity * n);
  if (k === 0 || n === 0) return -Infinity;

  const views = arrays.map((a) => new Uint32Array(a.buffer, a.byteOffset, a.length));
  const high = new Uint32Array(1 << 15); // sign bit cleared: top 16 bits are < 2^15
  for (const u of views) for (let i = 0; i < u.length; i++) high[(u[i] & 0x7fffffff) >>> 16]++;
  let rank = k; // 1-based rank still to find inside the chosen bucket
  let hb = 0;
  while (rank > high[hb]) rank -= high[hb++];

  const low = new Uint32Array(1 << 16);
  for (const u of views) {
    for (let i = 0; i < u.length; i++) {
      const b = u[i] & 0x7fffffff;
      if (b >>> 16 === hb) low[b & 0xffff]++;
    }
  }
  let lb = 0;
  while (rank > low[lb]) rank -= low[lb++];

  const out = new Uint32Array([(hb << 16) | lb]);
  return new Float32Array(out.buffer)[0];
}

/** Zeroes, in place, every element with |w| <= threshold; returns how many were zeroed. */
export function zeroBelowThreshold(values: Float32Array, threshold: number): number {
  let zeroed = 0;
  for (let i = 0; i < values.length; i++) {
    if (Math.abs(values[i]) <= threshold) {
      values[i] = 0;
      zeroed++;
    }
  }
  return zeroed;
}
