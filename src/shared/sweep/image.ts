/** 8-bit display copies of model samples, base64 in JSON (the sweep's image sidecar). */

/** One channel of an interleaved H x W x C image, linearly mapped [lo, hi] -> [0, 255]. */
export function quantizeChannel(image: Float32Array, channels: number, channel: number, lo: number, hi: number): Uint8Array {
  const n = Math.floor(image.length / channels);
  const out = new Uint8Array(n);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round((image[i * channels + channel] - lo) * scale)));
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function bytesToBase64(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    parts.push(B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '='));
  }
  return parts.join('');
}

export function base64ToBytes(s: string): Uint8Array {
  const idx = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) idx[B64.charCodeAt(i)] = i;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array(Math.max(0, (s.length / 4) * 3 - pad));
  let o = 0;
  for (let i = 0; i + 3 < s.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      n = (n << 6) | (c === 61 ? 0 : Math.max(0, idx[c & 127]));
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
