import { decode, encode, convertIndexedToRgb } from 'fast-png';
import { fail, guard, asStudioError, checkDims } from './fail.js';
import type { RasterImage, DecodeLimits } from './tiff.js';

const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const DEF: DecodeLimits = { maxSide: 8192, maxVoxels: 2 ** 31 - 1, maxBytes: 1024 ** 3 };

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && SIG.every((v, i) => b[i] === v);
}

/** PNG (8/16-bit, gray/RGB, with or without alpha, palette) to gray or RGB; alpha is dropped. */
export function decodePng(bytes: Uint8Array, file?: string, limits: DecodeLimits = DEF): RasterImage {
  return guard(file, 'corrupt PNG', () => decodePngUnguarded(bytes, file, limits));
}

function decodePngUnguarded(bytes: Uint8Array, file: string | undefined, limits: DecodeLimits): RasterImage {
  if (!isPng(bytes)) fail('bad-file', file, 'not a PNG file (wrong magic bytes)', 'Check that the file is a .png image');
  if (bytes.length < 33) fail('bad-file', file, 'corrupt PNG: file too short for a header', 'The file is truncated; export it again');
  // Read IHDR ourselves so absurd dimensions are refused before the decoder allocates anything.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = dv.getUint32(16),
    h = dv.getUint32(20);
  checkDims(file, [w, h], limits.maxSide, limits.maxVoxels);
  if (w * h * 8 > limits.maxBytes)
    fail(
      'too-large',
      file,
      `decoded image ${w}x${h} would exceed the per-file limit`,
      'Raise the per-file size limit if the file is genuine',
    );
  let png;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (e) {
    throw asStudioError(e, file, 'corrupt PNG', 'The file is truncated or damaged; export it again');
  }
  let data = png.data;
  let spp = png.channels;
  if (png.palette) {
    try {
      data = convertIndexedToRgb(png);
    } catch (e) {
      throw asStudioError(e, file, 'corrupt PNG palette', 'Save the image as grayscale or RGB');
    }
    spp = data.length / (png.width * png.height);
  }
  const depth = png.depth === 16 ? 16 : 8;
  if (png.depth !== 8 && png.depth !== 16 && !png.palette) {
    fail('unsupported', file, `PNG with ${png.depth}-bit samples`, 'Save the image with 8- or 16-bit samples');
  }
  if (data.length !== png.width * png.height * spp)
    fail('bad-file', file, 'corrupt PNG: pixel data does not match the header', 'Export the image again');
  const channels = spp >= 3 ? 3 : 1;
  const n = png.width * png.height;
  const out = depth === 16 ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = data[p * spp + c];
  return { width: png.width, height: png.height, channels, bitDepth: depth, data: out };
}

export function encodePng8(data: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  return encode({ width, height, data, depth: 8, channels });
}

export function encodePng16(data: Uint16Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  return encode({ width, height, data, depth: 16, channels });
}
