import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNifti, encodeNifti1 } from '../../../../src/shared/data/nifti';
import { openDataset } from '../../../../src/node/data/open';

const DATA = resolve('node_modules/nifti-test-data/tests/data');
const tmp = mkdtempSync(join(tmpdir(), 'data-nifti-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Intensity at RAS world voxel (x, y, z): unique per voxel so any misplacement shows. */
const f = (x: number, y: number, z: number): number => 1 + x + 10 * y + 100 * z;
const NX = 4,
  NY = 3,
  NZ = 5;

describe('NIfTI-1', () => {
  it('MNI152 T1 loads as 91x109x91 from .nii and .nii.gz alike', async () => {
    const a = decodeNifti(readFileSync(join(DATA, 'avg152T1_LR_nifti.nii')));
    const b = decodeNifti(readFileSync(join(DATA, 'avg152T1_LR_nifti.nii.gz')));
    expect([a.width, a.height, a.depth]).toEqual([91, 109, 91]);
    expect(a.spacing).toEqual([2, 2]);
    expect(a.sliceThickness).toBe(2);
    expect(a.orientation).toBe('sform');
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    const ds = await openDataset(join(DATA, 'avg152T1_LR_nifti.nii.gz'));
    expect(ds.cases[0]).toMatchObject({ sliceCount: 91, width: 91, height: 109, channels: 1, hasMask: false });
  });

  it('reads the qform when there is no sform', () => {
    const v = decodeNifti(readFileSync(join(DATA, 'little.nii.gz')));
    expect(v.orientation).toBe('qform');
    expect([v.width, v.height, v.depth, v.sliceThickness]).toEqual([64, 64, 21, 6]);
    const big = decodeNifti(readFileSync(join(DATA, 'big.nii.gz')));
    expect(Buffer.from(big.data.buffer).equals(Buffer.from(v.data.buffer))).toBe(true); // same image, other byte order
  });

  it('gives the same slices for a permuted, flipped affine as for RAS voxel order', () => {
    const ras = new Float32Array(NX * NY * NZ);
    for (let z = 0; z < NZ; z++) for (let y = 0; y < NY; y++) for (let x = 0; x < NX; x++) ras[x + NX * (y + NY * z)] = f(x, y, z);
    const a = decodeNifti(
      encodeNifti1(ras, [NX, NY, NZ], {
        affine: [
          [1.5, 0, 0, 0],
          [0, 2, 0, 0],
          [0, 0, 3, 0],
        ],
      }),
    );
    // Voxel axes: i -> -y (posterior), j -> +z, k -> -x (patient left).
    const odd = new Float32Array(NX * NY * NZ);
    for (let k = 0; k < NX; k++)
      for (let j = 0; j < NZ; j++) for (let i = 0; i < NY; i++) odd[i + NY * (j + NZ * k)] = f(NX - 1 - k, NY - 1 - i, j);
    const b = decodeNifti(
      encodeNifti1(odd, [NY, NZ, NX], {
        affine: [
          [0, 0, -1.5, 9],
          [-2, 0, 0, 4],
          [0, 3, 0, -7],
        ],
      }),
    );
    expect([b.width, b.height, b.depth]).toEqual([NX, NY, NZ]);
    expect(b.spacing).toEqual([2, 1.5]);
    expect(b.sliceThickness).toBe(3);
    expect([...b.data]).toEqual([...a.data]);
    // The convention itself: slice 0 inferior, row 0 anterior, column 0 patient right.
    expect(a.data[0]).toBe(f(NX - 1, NY - 1, 0));
    expect(a.data[NX * NY * (NZ - 1) + NX * (NY - 1) + NX - 1]).toBe(f(0, 0, NZ - 1));
  });

  it('applies scl_slope/scl_inter and reads int16/uint8', () => {
    const bytes = encodeNifti1([1, -2, 3, 4, 5, 6, 7, 8], [2, 2, 2], { datatype: 4 });
    const dv = new DataView(bytes.buffer);
    dv.setFloat32(112, 2, true);
    dv.setFloat32(116, 10, true);
    const v = decodeNifti(bytes);
    expect(v.datatype).toBe('int16');
    expect([...v.data].sort((p, q) => p - q)).toEqual([6, 12, 16, 18, 20, 22, 24, 26]);
    const u = decodeNifti(encodeNifti1([0, 255, 1, 2], [2, 2, 1], { datatype: 2 }));
    expect(u.datatype).toBe('uint8');
    expect([...u.data].sort((p, q) => p - q)).toEqual([0, 1, 2, 255]);
  });

  it('pairs <name>.nii with <name>_seg.nii.gz and <name>_mask.nii', async () => {
    const img = new Float32Array(8 * 8 * 4).map((_, i) => i % 97);
    const lab = new Uint8Array(8 * 8 * 4);
    lab[8 * 8 * 2 + 10] = 1;
    writeFileSync(join(tmp, 'p1.nii'), encodeNifti1(img, [8, 8, 4]));
    writeFileSync(join(tmp, 'p1_seg.nii.gz'), gzipSync(encodeNifti1(lab, [8, 8, 4], { datatype: 2 })));
    writeFileSync(join(tmp, 'p2.nii.gz'), gzipSync(encodeNifti1(img, [8, 8, 4])));
    writeFileSync(
      join(tmp, 'p2_mask.nii'),
      encodeNifti1(
        lab.map((v) => v * 255),
        [8, 8, 4],
        { datatype: 2 },
      ),
    );
    writeFileSync(join(tmp, 'p3.nii'), encodeNifti1(img, [8, 8, 4]));
    const ds = await openDataset(tmp);
    expect(ds.format).toBe('nifti');
    expect(ds.cases.map((c) => [c.id, c.hasMask, c.lesionSlices])).toEqual([
      ['p1', true, 1],
      ['p2', true, 1],
      ['p3', false, 0],
    ]);
    const s = await ds.slices('p2');
    expect(s).toHaveLength(4);
    expect(s[2].mask!.reduce((a, v) => a + v, 0)).toBe(1);
    expect(s[2].mask!.every((v) => v === 0 || v === 1)).toBe(true);
  });
});
