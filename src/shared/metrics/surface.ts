/**
 * Surface distances on N-D binary masks (2-D slices or 3-D volumes, row-major, last axis fastest).
 *
 * Boundary: a foreground voxel with at least one face neighbour (4-neighbourhood in 2-D,
 * 6 in 3-D) that is background or outside the image. A one-pixel mask is its own boundary.
 * Distances are Euclidean between voxel centres, scaled per axis by `spacing`
 * (mm per step, e.g. [row, col]); without spacing they are in voxels.
 */

/** Strides for a row-major array with the given dims. */
function strides(dims: number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

export function boundary(mask: Uint8Array, dims: number[]): Uint8Array {
  const st = strides(dims);
  const out = new Uint8Array(mask.length);
  const coord = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      let edge = false;
      for (let a = 0; a < dims.length && !edge; a++) {
        const c = coord[a];
        if (c === 0 || c === dims[a] - 1 || !mask[i - st[a]] || !mask[i + st[a]]) edge = true;
      }
      if (edge) out[i] = 1;
    }
    // Advance the multi-index (last axis fastest).
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++coord[a] < dims[a]) break;
      coord[a] = 0;
    }
  }
  return out;
}

/**
 * Squared Euclidean distance from every voxel to the nearest set voxel of `seeds`
 * (Felzenszwalb & Huttenlocher's separable lower-envelope transform, exact, O(N) per axis),
 * with anisotropic spacing. Infinity everywhere when `seeds` is empty.
 */
export function squaredDistanceTransform(seeds: Uint8Array, dims: number[], spacing: number[]): Float64Array {
  const f = new Float64Array(seeds.length);
  for (let i = 0; i < seeds.length; i++) f[i] = seeds[i] ? 0 : Infinity;
  const st = strides(dims);
  const maxLen = Math.max(...dims);
  const line = new Float64Array(maxLen);
  const res = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);
  for (let a = 0; a < dims.length; a++) {
    const n = dims[a];
    const step = st[a];
    const w2 = spacing[a] * spacing[a];
    // Every line along axis a starts at an index whose coordinate on axis a is 0.
    for (let start = 0; start < f.length; start++) {
      if (Math.floor(start / step) % n !== 0) continue;
      for (let q = 0; q < n; q++) line[q] = f[start + q * step];
      envelope(line, n, w2, res, v, z);
      for (let q = 0; q < n; q++) f[start + q * step] = res[q];
    }
  }
  return f;
}

/** 1-D transform: res[p] = min_q line[q] + w2 * (p - q)^2. */
function envelope(line: Float64Array, n: number, w2: number, res: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (line[q] === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let s: number;
    for (;;) {
      const r = v[k];
      s = (line[q] + w2 * q * q - (line[r] + w2 * r * r)) / (2 * w2 * (q - r));
      if (s <= z[k]) {
        k--;
        if (k < 0) break;
      } else break;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let p = 0; p < n; p++) res[p] = Infinity;
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    while (z[j + 1] < p) j++;
    const d = p - v[j];
    res[p] = w2 * d * d + line[v[j]];
  }
}

/** Distances from each boundary voxel of `from` to the nearest boundary voxel of `to`. */
export function directedSurfaceDistances(fromEdge: Uint8Array, toEdgeSq: Float64Array): number[] {
  const d: number[] = [];
  for (let i = 0; i < fromEdge.length; i++) if (fromEdge[i]) d.push(Math.sqrt(toEdgeSq[i]));
  return d;
}

/** Percentile with linear interpolation between order statistics (numpy's default). */
export function percentile(values: number[], p: number): number {
  const s = Float64Array.from(values).sort();
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
