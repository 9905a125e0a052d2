/** 8-bit display copies of model samples for the sweep's image sidecar. */

/** One channel of an interleaved H x W x C image, linearly mapped [lo, hi] -> [0, 255]. */
export function quantizeChannel(image: Float32Array, channels: number, channel: number, lo: number, hi: number): Uint8Array {
  const n = Math.floor(image.length / channels);
  const out = new Uint8Array(n);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round((image[i * channels + channel] - lo) * scale)));
  return out;
}
