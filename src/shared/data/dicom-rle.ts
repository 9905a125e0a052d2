import { fail } from './fail.js';

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment
 * per byte plane (most significant first) per sample. Returns the frame little endian, interleaved.
 */
export function decodeRle(frag: Uint8Array, rows: number, cols: number, spp: number, bytesPer: number, file?: string): Uint8Array {
  const corrupt = (what: string): never =>
    fail('bad-file', file, `corrupt RLE pixel data: ${what}`, 'The file is truncated or damaged; export it again');
  if (frag.length < 64) corrupt('fragment shorter than its header');
  const dv = new DataView(frag.buffer, frag.byteOffset, frag.byteLength);
  const nSeg = dv.getUint32(0, true);
  if (nSeg !== spp * bytesPer) corrupt(`${nSeg} segments, expected ${spp * bytesPer}`);
  const n = rows * cols;
  const out = new Uint8Array(n * spp * bytesPer);
  for (let s = 0; s < nSeg; s++) {
    const start = dv.getUint32(4 + s * 4, true);
    const end = s + 1 < nSeg ? dv.getUint32(8 + s * 4, true) : frag.length;
    if (start < 64 || start > frag.length || end > frag.length || end < start) corrupt(`segment ${s} out of range`);
    const sample = Math.floor(s / bytesPer);
    const byteIdx = bytesPer - 1 - (s % bytesPer); // first segment = most significant byte
    let i = start,
      p = 0;
    while (i < end && p < n) {
      const c = (frag[i++] << 24) >> 24;
      if (c >= 0) {
        for (let k = 0; k <= c && p < n && i < end; k++) out[(p++ * spp + sample) * bytesPer + byteIdx] = frag[i++];
      } else if (c !== -128) {
        const v = frag[i++];
        for (let k = 0; k < 1 - c && p < n; k++) out[(p++ * spp + sample) * bytesPer + byteIdx] = v;
      }
    }
    if (p < n) corrupt(`segment ${s} holds ${p} of ${n} pixels`);
  }
  return out;
}
