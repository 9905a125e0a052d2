/** Bilinear resize of an H x W x C image (pixel centres aligned, edges clamped). */
export function resizeBilinear(src: Float32Array, w: number, h: number, c: number, ow: number, oh: number): Float32Array {
  const out = new Float32Array(ow * oh * c);
  const sx = w / ow,
    sy = h / oh;
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy),
      y1 = Math.min(y0 + 1, h - 1),
      ty = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx),
        x1 = Math.min(x0 + 1, w - 1),
        tx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k],
          b = src[(y0 * w + x1) * c + k];
        const d = src[(y1 * w + x0) * c + k],
          e = src[(y1 * w + x1) * c + k];
        out[(y * ow + x) * c + k] = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty;
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize for masks, so labels stay exactly 0/1. */
export function resizeNearest(src: Uint8Array, w: number, h: number, ow: number, oh: number): Uint8Array {
  const out = new Uint8Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / oh));
    for (let x = 0; x < ow; x++) out[y * ow + x] = src[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / ow))];
  }
  return out;
}
