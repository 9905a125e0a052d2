import UTIF from 'utif';
import { fail, guard, checkDims } from './fail.js';
import { unzlibLimited } from './inflate.js';

/**
 * Baseline TIFF decoder (strips; uncompressed, LZW, PackBits, Deflate; 8/16-bit; gray/RGB/RGBA).
 * Written here rather than using utif's decoder because that one follows IFD chains without
 * cycle checks and can hang on a corrupt file; this one bounds every offset and loop.
 */
export interface RasterImage {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB); alpha is dropped. */
  channels: number;
  bitDepth: 8 | 16;
  /** H x W x C interleaved. */
  data: Uint8Array | Uint16Array;
}

export interface DecodeLimits {
  maxSide: number;
  maxVoxels: number;
  maxBytes: number;
}
const DEF: DecodeLimits = { maxSide: 8192, maxVoxels: 2 ** 31 - 1, maxBytes: 1024 ** 3 };

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 6: 1, 7: 1, 8: 2, 9: 4, 11: 4, 12: 8 };

export function isTiff(b: Uint8Array): boolean {
  return (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42))
  );
}

export function decodeTiff(bytes: Uint8Array, file?: string, limits: DecodeLimits = DEF): RasterImage {
  return guard(file, 'corrupt TIFF', () => decodeTiffUnguarded(bytes, file, limits));
}

function decodeTiffUnguarded(bytes: Uint8Array, file: string | undefined, limits: DecodeLimits): RasterImage {
  const corrupt = (what: string): never =>
    fail('bad-file', file, `corrupt TIFF: ${what}`, 'The file is truncated or damaged; export it again');
  if (bytes.length < 8) corrupt('file too short for a TIFF header');
  if (bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 43)
    fail('unsupported', file, 'BigTIFF files are not supported', 'Save the image as a classic TIFF or PNG');
  if (!isTiff(bytes)) fail('bad-file', file, 'not a TIFF file (wrong magic bytes)', 'Check that the file is a .tif image');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const u16 = (o: number): number => {
    if (o < 0 || o + 2 > bytes.length) corrupt('offset out of range');
    return dv.getUint16(o, le);
  };
  const u32 = (o: number): number => {
    if (o < 0 || o + 4 > bytes.length) corrupt('offset out of range');
    return dv.getUint32(o, le);
  };

  const ifd = u32(4);
  const n = u16(ifd);
  if (n === 0 || n > 4096) corrupt(`implausible tag count ${n}`);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e),
      type = u16(e + 2),
      count = u32(e + 4);
    const size = TYPE_SIZE[type];
    if (!size) continue; // unknown types are skipped, as the spec asks
    if (![256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 339].includes(tag)) continue;
    if (count > 1_000_000) corrupt(`tag ${tag} has ${count} values`);
    const base = count * size <= 4 ? e + 8 : u32(e + 8);
    if (base + count * size > bytes.length) corrupt(`tag ${tag} points past the end of the file`);
    const vals: number[] = [];
    for (let k = 0; k < count; k++) {
      const o = base + k * size;
      vals.push(size === 1 ? bytes[o] : size === 2 ? u16(o) : u32(o));
    }
    tags.set(tag, vals);
  }
  const one = (tag: number, def?: number): number => {
    const v = tags.get(tag);
    if (v && v.length > 0) return v[0];
    if (def === undefined) corrupt(`required tag ${tag} missing`);
    return def as number;
  };
  const width = one(256),
    height = one(257);
  checkDims(file, [width, height], limits.maxSide, limits.maxVoxels);
  if (tags.has(322))
    fail('unsupported', file, 'tiled TIFF is not supported', 'Save the image with strips (the default of most tools) or as PNG');
  const spp = one(277, 1);
  const bits = tags.get(258) ?? [1];
  const bps = bits[0];
  if (spp < 1 || spp > 4) fail('unsupported', file, `TIFF with ${spp} samples per pixel`, 'Use grayscale, RGB or RGBA images');
  if (bps !== 8 && bps !== 16) fail('unsupported', file, `TIFF with ${bps} bits per sample`, 'Use 8- or 16-bit images');
  if (bits.some((b) => b !== bps)) fail('unsupported', file, 'TIFF with mixed bits per sample', 'Use 8- or 16-bit images');
  const sampleFormat = one(339, 1);
  if (sampleFormat !== 1)
    fail(
      'unsupported',
      file,
      `TIFF sample format ${sampleFormat} (only unsigned integers are read)`,
      'Save the image as unsigned 8- or 16-bit',
    );
  const photometric = one(262, spp >= 3 ? 2 : 1);
  if (photometric > 2)
    fail('unsupported', file, `TIFF photometric interpretation ${photometric} (palette/CMYK/YCbCr)`, 'Save the image as grayscale or RGB');
  if (one(284, 1) !== 1)
    fail('unsupported', file, 'planar TIFF (PlanarConfiguration 2)', 'Save the image with interleaved (chunky) samples');
  const compression = one(259, 1);
  const predictor = one(317, 1);
  const offsets = tags.get(273);
  const counts = tags.get(279);
  if (!offsets || !counts || offsets.length !== counts.length) corrupt('strip offsets/byte counts missing or inconsistent');
  const rowsPerStrip = Math.min(one(278, height), height) || height;
  const bytesPer = bps / 8;
  const rowBytes = width * spp * bytesPer;
  const total = rowBytes * height;
  if (total > limits.maxBytes)
    fail('too-large', file, `decoded image would take ${total} bytes`, 'Raise the per-file size limit if the file is genuine');
  const raw = new Uint8Array(total);
  let pos = 0;
  for (let s = 0; s < offsets!.length && pos < total; s++) {
    const off = offsets![s],
      cnt = counts![s];
    if (off + cnt > bytes.length) corrupt(`strip ${s} extends past the end of the file (truncated?)`);
    const src = bytes.subarray(off, off + cnt);
    const want = Math.min(rowsPerStrip * rowBytes, total - pos);
    let strip: Uint8Array;
    switch (compression) {
      case 1:
        strip = src;
        break;
      case 5:
        strip = lzw(src, want, corrupt);
        break;
      case 32773:
        strip = packBits(src, want);
        break;
      case 8:
      case 32946:
        strip = unzlibLimited(src, want + 1024, file);
        break;
      default:
        return fail(
          'unsupported',
          file,
          `TIFF compression ${compression}`,
          'Save the image uncompressed, LZW, Deflate or PackBits, or as PNG',
        );
    }
    const m = Math.min(strip.length, want);
    raw.set(strip.subarray(0, m), pos);
    if (m < want) corrupt(`strip ${s} holds ${m} of ${want} bytes (truncated?)`);
    pos += m;
  }
  if (pos < total) corrupt(`pixel data holds ${pos} of ${total} bytes (truncated?)`);
  let data: Uint8Array | Uint16Array;
  if (bps === 8) data = raw;
  else {
    const d16 = new Uint16Array(width * height * spp);
    const rdv = new DataView(raw.buffer);
    for (let i = 0; i < d16.length; i++) d16[i] = rdv.getUint16(i * 2, le);
    data = d16;
  }
  if (predictor === 2) {
    for (let y = 0; y < height; y++) {
      const row = y * width * spp;
      for (let i = spp; i < width * spp; i++) data[row + i] = (data[row + i] + data[row + i - spp]) & (bps === 8 ? 0xff : 0xffff);
    }
  }
  if (photometric === 0) {
    const max = bps === 8 ? 255 : 65535;
    for (let i = 0; i < data.length; i++) data[i] = max - data[i];
  }
  // Drop alpha (and the 2nd sample of gray+alpha): masks and MR intensities never use it.
  const channels = spp >= 3 ? 3 : 1;
  if (spp !== channels) {
    const out = bps === 8 ? new Uint8Array(width * height * channels) : new Uint16Array(width * height * channels);
    for (let p = 0; p < width * height; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = data[p * spp + c];
    data = out;
  }
  return { width, height, channels, bitDepth: bps as 8 | 16, data };
}

function packBits(src: Uint8Array, want: number): Uint8Array {
  const out = new Uint8Array(want);
  let i = 0,
    o = 0;
  while (i < src.length && o < want) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      const c = Math.min(n + 1, src.length - i, want - o);
      out.set(src.subarray(i, i + c), o);
      i += n + 1;
      o += c;
    } else if (n !== -128) {
      const c = Math.min(1 - n, want - o);
      if (i < src.length) out.fill(src[i], o, o + c);
      i++;
      o += c;
    }
  }
  return out.subarray(0, o);
}

function lzw(src: Uint8Array, want: number, corrupt: (w: string) => never): Uint8Array {
  const out = new Uint8Array(want);
  const dict: Uint8Array[] = new Array(4096);
  for (let i = 0; i < 256; i++) dict[i] = Uint8Array.of(i);
  let next = 258,
    width = 9,
    bit = 0,
    o = 0;
  let prev: Uint8Array | null = null;
  const totalBits = src.length * 8;
  while (bit + width <= totalBits && o < want) {
    let code = 0;
    for (let k = 0; k < width; k++, bit++) code = (code << 1) | ((src[bit >> 3] >> (7 - (bit & 7))) & 1);
    if (code === 257) break;
    if (code === 256) {
      next = 258;
      width = 9;
      prev = null;
      continue;
    }
    let entry: Uint8Array;
    if (code < next && dict[code]) entry = dict[code];
    else if (code === next && prev) {
      entry = new Uint8Array(prev.length + 1);
      entry.set(prev);
      entry[prev.length] = prev[0];
    } else return corrupt('invalid LZW code');
    const c = Math.min(entry.length, want - o);
    out.set(entry.subarray(0, c), o);
    o += c;
    if (prev && next < 4096) {
      const e = new Uint8Array(prev.length + 1);
      e.set(prev);
      e[prev.length] = entry[0];
      dict[next++] = e;
    }
    prev = entry;
    // TIFF LZW switches width one code early (at 511, 1023, 2047).
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out.subarray(0, o);
}

/** Uncompressed 8-bit TIFF (gray or RGB), as in the kaggle_3m LGG set; header written by utif. */
export function encodeTiff8(data: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  if (data.length !== width * height * channels) throw new RangeError('encodeTiff8: data length does not match width*height*channels');
  const OFFSET = 1000;
  const ifd: Record<string, unknown> = {
    t256: [width],
    t257: [height],
    t258: channels === 3 ? [8, 8, 8] : [8],
    t259: [1],
    t262: [channels === 3 ? 2 : 1],
    t273: [OFFSET],
    t277: [channels],
    t278: [height],
    t279: [width * height * channels],
    t284: [1],
  };
  const head = new Uint8Array(UTIF.encode([ifd]));
  if (head.length > OFFSET) throw new RangeError('encodeTiff8: header larger than expected');
  const out = new Uint8Array(OFFSET + data.length);
  out.set(head, 0);
  out.set(data, OFFSET);
  return out;
}
