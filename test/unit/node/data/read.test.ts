import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zlibSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeTiff, encodeTiff8 } from '../../../../src/shared/data/tiff';
import { encodePng16, encodePng8 } from '../../../../src/shared/data/png';
import { splitByPatient } from '../../../../src/shared/data/split';
import { clearSampleCache, loadSamples, preprocess } from '../../../../src/shared/data/preprocess';
import { generatePhantoms } from '../../../../src/shared/data/phantoms';
import { resizeNearest } from '../../../../src/shared/data/resize';
import type { CaseInfo, Dataset, Slice } from '../../../../src/shared/data/types';
import { openDataset } from '../../../../src/node/data/open';
import { detectFormat } from '../../../../src/node/data/detect';
import { limitsOf } from '../../../../src/node/data/read';

const tmp = mkdtempSync(join(tmpdir(), 'data-readers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Rewrites an uncompressed encodeTiff8 file with another compression, to test the decoder's codecs. */
function recompress(orig: Uint8Array, code: number, pack: (raw: Uint8Array) => Uint8Array): Uint8Array {
  const tiff = orig.slice();
  const dv = new DataView(tiff.buffer, tiff.byteOffset);
  const le = tiff[0] === 0x49;
  const ifd = dv.getUint32(4, le),
    n = dv.getUint16(ifd, le);
  let off = 0,
    cnt = 0,
    cntEntry = 0;
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12,
      tag = dv.getUint16(e, le);
    if (tag === 273) off = dv.getUint32(e + 8, le);
    if (tag === 279) {
      cnt = dv.getUint32(e + 8, le);
      cntEntry = e;
    }
    if (tag === 259) dv.setUint16(e + 8, code, le);
  }
  const packed = pack(tiff.slice(off, off + cnt));
  const out = new Uint8Array(off + packed.length);
  out.set(tiff.subarray(0, off));
  out.set(packed, off);
  new DataView(out.buffer).setUint32(cntEntry + 8, packed.length, le);
  return out;
}

function packBits(raw: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < raw.length;) {
    let run = 1;
    while (i + run < raw.length && raw[i + run] === raw[i] && run < 128) run++;
    if (run > 2) {
      out.push(257 - run, raw[i]);
      i += run;
      continue;
    }
    const n = Math.min(128, raw.length - i);
    out.push(n - 1, ...raw.subarray(i, i + n));
    i += n;
  }
  return Uint8Array.from(out);
}

/** TIFF-flavour LZW encoder (MSB-first; widens one code later than the decoder, as libtiff does). */
function lzw(raw: Uint8Array): Uint8Array {
  const bits: number[] = [];
  let width = 9,
    next = 258,
    dict = new Map<string, number>();
  const emit = (code: number): void => {
    for (let b = width - 1; b >= 0; b--) bits.push((code >> b) & 1);
  };
  const code = (w: string): number => (w.length === 1 ? w.charCodeAt(0) : dict.get(w)!);
  emit(256);
  let w = String.fromCharCode(raw[0]);
  for (let i = 1; i < raw.length; i++) {
    const c = String.fromCharCode(raw[i]);
    if (dict.has(w + c)) {
      w += c;
      continue;
    }
    emit(code(w));
    dict.set(w + c, next++);
    if (next >= 1 << width && width < 12) width++;
    if (next >= 4094) {
      emit(256);
      dict = new Map();
      next = 258;
      width = 9;
    }
    w = c;
  }
  emit(code(w));
  emit(257);
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3] |= 0x80 >> (i & 7);
  });
  return out;
}

describe('TIFF and PNG decoding', () => {
  const rgb = new Uint8Array(37 * 23 * 3).map((_, i) => (i % 7 === 0 ? 9 : (i * 31) % 256));
  const base = encodeTiff8(rgb, 37, 23, 3);
  it.each([
    ['uncompressed', base],
    ['PackBits', recompress(base, 32773, packBits)],
    ['LZW', recompress(base, 5, lzw)],
    ['Deflate', recompress(base, 8, (r) => zlibSync(r))],
  ])('decodes %s TIFF strips', (_name, bytes) => {
    const t = decodeTiff(bytes);
    expect([t.width, t.height, t.channels, t.bitDepth]).toEqual([37, 23, 3, 8]);
    expect(Buffer.from(t.data as Uint8Array).equals(Buffer.from(rgb))).toBe(true);
  });

  it('reads PNG pairs (8/16-bit, gray/RGB) with numeric slice order and masks', async () => {
    const dir = join(tmp, 'png');
    mkdirSync(join(dir, 'patA'), { recursive: true });
    const mask = new Uint8Array(16 * 12);
    mask[5] = 255;
    for (const n of [1, 2, 10]) {
      writeFileSync(join(dir, 'patA', `s_${n}.png`), encodePng16(new Uint16Array(16 * 12).fill(1000 * n), 16, 12, 1));
      writeFileSync(join(dir, 'patA', `s_${n}_mask.png`), encodePng8(n === 2 ? mask : new Uint8Array(16 * 12), 16, 12, 1));
    }
    writeFileSync(join(dir, 'b_1.png'), encodePng8(new Uint8Array(16 * 12 * 3).fill(7), 16, 12, 3));
    expect(detectFormat(dir, limitsOf())).toBe('png');
    const ds = await openDataset(dir);
    expect(ds.cases.map((c) => [c.id, c.sliceCount, c.channels, c.hasMask, c.lesionSlices])).toEqual([
      ['b', 1, 3, false, 0],
      ['patA/s', 3, 1, true, 1],
    ]);
    const s = await ds.slices('patA/s');
    expect(s.map((x) => x.image[0])).toEqual([1000, 2000, 10000]);
    expect(s[1].mask![5]).toBe(1);
  });

  it('orders LGG slices numerically, not lexicographically', async () => {
    const dir = join(tmp, 'lgg', 'TCGA_AB_1234_19990101');
    mkdirSync(dir, { recursive: true });
    for (const n of [10, 1, 2, 11, 3]) {
      writeFileSync(join(dir, `TCGA_AB_1234_19990101_${n}.tif`), encodeTiff8(new Uint8Array(8 * 8 * 3).fill(n), 8, 8, 3));
      writeFileSync(join(dir, `TCGA_AB_1234_19990101_${n}_mask.tif`), encodeTiff8(new Uint8Array(8 * 8), 8, 8, 1));
    }
    const ds = await openDataset(join(tmp, 'lgg'));
    expect(ds.cases[0].patientId).toBe('TCGA_AB_1234');
    expect((await ds.slices(ds.cases[0].id)).map((x) => x.image[0])).toEqual([1, 2, 3, 10, 11]);
  });
});

describe('split, preprocessing and cache', () => {
  const info = (id: string, patientId: string): CaseInfo => ({
    id,
    patientId,
    sliceCount: 1,
    width: 4,
    height: 4,
    channels: 1,
    hasMask: true,
    lesionSlices: 0,
  });

  it('splits by patient, deterministically, never splitting a patient', () => {
    const cases = Array.from({ length: 40 }, (_, i) => info(`c${i}`, `p${Math.floor(i / 2)}`));
    const a = splitByPatient(cases, { train: 0.7, val: 0.15, test: 0.15 }, 3);
    expect(splitByPatient(cases, { train: 0.7, val: 0.15, test: 0.15 }, 3)).toEqual(a);
    expect(a.train.length + a.val.length + a.test.length).toBe(40);
    const partOf = new Map<string, string>();
    for (const [k, ids] of Object.entries(a))
      for (const id of ids) {
        const p = cases.find((c) => c.id === id)!.patientId;
        expect(partOf.get(p) ?? k).toBe(k);
        partOf.set(p, k);
      }
    expect(a.train.length).toBe(28);
    expect(a.val.length).toBeGreaterThan(0);
    const few = splitByPatient(cases.slice(0, 6), { train: 0.8, val: 0.1, test: 0.1 }, 1);
    expect([few.train.length, few.val.length, few.test.length].every((n) => n > 0)).toBe(true);
  });

  it('z-scores per case and channel after percentile clipping, resizes masks by nearest', () => {
    const slice = (index: number, v: number): Slice => ({
      caseId: 'c',
      index,
      width: 4,
      height: 4,
      channels: 1,
      image: new Float32Array(16).map((_, i) => v + i),
      mask: new Uint8Array(16).map((_, i) => (i === 5 ? 1 : 0)),
      source: 't',
    });
    const out = preprocess([slice(0, 0), slice(1, 100)], { size: 8, channels: 3 });
    expect(out).toHaveLength(2);
    expect(out[0].image.length).toBe(8 * 8 * 3);
    const all = [...out[0].image, ...out[1].image];
    const mean = all.reduce((a, v) => a + v, 0) / all.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(out[0].image[0]).toBeLessThan(out[1].image[0]); // brightness relation across slices kept
    expect(out[0].mask.every((v) => v === 0 || v === 1)).toBe(true);
    expect(out[0].mask.reduce((a, v) => a + v, 0)).toBe(4); // one pixel -> 2x2 block
    expect(resizeNearest(Uint8Array.of(1, 0, 0, 1), 2, 2, 4, 4)).toEqual(Uint8Array.of(1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1));
    expect(() => preprocess([{ ...slice(0, 0), mask: undefined }], { size: 4, channels: 1 })).toThrow(/slice 0 of case c has no mask/);
  });

  it('caches samples per (dataset, size) so an epoch does not decode again', async () => {
    const ph = generatePhantoms({ count: 2, slicesPerCase: 3, size: 16, seed: 1 });
    let calls = 0;
    const ds: Dataset = {
      ...ph,
      slices: async (id) => {
        calls++;
        return ph.slices(id);
      },
    };
    clearSampleCache();
    const a = await loadSamples(
      ds,
      ds.cases.map((c) => c.id),
      { size: 8, channels: 3 },
    );
    const b = await loadSamples(
      ds,
      ds.cases.map((c) => c.id),
      { size: 8, channels: 3 },
    );
    expect(calls).toBe(2);
    expect(b[0]).toBe(a[0]);
    await loadSamples(ds, [ds.cases[0].id], { size: 16, channels: 1 });
    expect(calls).toBe(3);
  });
});
