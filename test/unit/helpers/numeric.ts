/** Numbers for the parity tests (backend against backend, engine against engine). */

/** Deterministic values in [offset - scale, offset + scale) from a fixed LCG, so both sides see identical inputs. */
export function lcgValues(size: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale + offset;
  }
  return out;
}

/** max |a - b| relative to max |b|: the error the parity bounds are stated in. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}
