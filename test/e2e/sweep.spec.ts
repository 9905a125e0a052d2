/**
 * The Sweep view end to end in browser mode: two completed runs prepared on disk (in the e2e studio
 * home the server reads), a sweep started from the view, then the chart, the table, the grid and
 * the enlarged cell, and the saved results after a reload.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { E2E_HOME, E2E_TOKEN } from '../../playwright.config';
import { deleteRuns } from './helpers';

const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });
const RUNS = ['e2e-sweep-sgd', 'e2e-sweep-var'];

test.beforeAll(async () => {
  // The fixture trains two one-epoch runs (about 15 s on a loaded 2-core machine).
  test.setTimeout(150_000);
  // Runs of the same names from an earlier pass (e.g. --repeat-each) would double the selection.
  await deleteRuns((name) => RUNS.includes(name));
  execFileSync(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/sweep-runs.ts', E2E_HOME], {
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 120_000,
  });
});

/** Exactly our two runs selected, whatever other tests left in the shared home. */
async function selectOurRuns(page: Page): Promise<void> {
  const boxes = page.locator('.sweep-runs input[type=checkbox]');
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const label = (await box.getAttribute('aria-label')) ?? '';
    await box.setChecked(RUNS.some((r) => label === `Include run ${r}`));
  }
}

/** Grey-level variance of a canvas: 0 means blank. */
function canvasVariance(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const c = document.querySelector<HTMLCanvasElement>(sel);
    if (!c) return -1;
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let s = 0;
    let q = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const g = (data[i] + data[i + 1] + data[i + 2]) / 3;
      s += g;
      q += g * g;
    }
    return q / n - (s / n) ** 2;
  }, selector);
}

test('sweep two runs from the view: chart, table, grid, enlarged cell, saved after reload', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`/?token=${E2E_TOKEN}#/sweep`);
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await selectOurRuns(page);
  await page.getByLabel('Levels (%)').fill('0, 50, 90');
  await expect(page.locator('#sweep-levels-msg')).toHaveText('3 levels');
  await page.getByRole('button', { name: /Start sweep \(2 runs\)/ }).click();
  await expect(page.getByRole('progressbar', { name: 'Sweep progress' })).toBeVisible();
  await expect(page.locator('.sweep-progress')).toContainText('done', { timeout: 90_000 });

  const chart = page.getByTestId('dice-chart');
  await expect(chart).toHaveAttribute('data-points', '3');
  await expect(chart).toHaveAttribute('data-series', '2');
  await expect(chart.locator('svg')).toHaveCount(1);
  await expect(chart.locator('svg circle[r="3"]')).toHaveCount(6);
  // Levels evenly spaced (0, 50, 90 % at equal steps), as in the report.
  // Markers come series by series; each run's bars sit a few px beside the other's at the same level.
  const cx = await chart.locator('svg circle[r="3"]').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cx'))));
  for (const run of [cx.slice(0, 3), cx.slice(3)]) expect(Math.abs(run[1] - run[0] - (run[2] - run[1]))).toBeLessThan(1);
  const xs = cx.slice(0, 3).map((x, i) => (x + cx[3 + i]) / 2);
  expect(Math.abs(cx[0] - cx[3])).toBeLessThan(20);
  // The legend names the metric and the interval; intervals are error bars (95 % CI from the shared statistics), not bands.
  await expect(chart.locator('svg')).toContainText('mean per-case Dice · error bars: 95 % CI over cases');
  await expect(chart.locator('svg polygon')).toHaveCount(0);
  const withInterval = await chart
    .locator('svg title')
    .evaluateAll((ts) => ts.filter((t) => /95 % CI over cases/.test(t.textContent ?? '')).length);
  await expect(chart.locator('svg path.interval')).toHaveCount(withInterval);

  // Hovering a level reads out every run's value and interval there; so do the arrow keys.
  const box = (await chart.boundingBox())!;
  const svgWidth = 760;
  await page.mouse.move(box.x + (xs[1] / svgWidth) * box.width, box.y + box.height / 2);
  const tip = page.getByTestId('chart-tip');
  await expect(tip).toContainText('50% sparsity');
  await expect(tip.locator('tbody tr')).toHaveCount(2);
  for (const row of await tip.locator('tbody tr').all())
    await expect(row).toContainText(/\d\.\d{3}\s*(95 % CI over cases \d\.\d{3}–\d\.\d{3}|no interval)\s*n = \d+/);
  // The read-out gives the same numbers as the chart's own marker titles at that level (one source).
  const titles = await chart.locator('svg title').allTextContents();
  for (const row of await tip.locator('tbody tr').all()) {
    const [label, value] = (await row.locator('td').allTextContents()).map((t) => t.trim());
    expect(titles.some((t) => t.startsWith(`${label} at 50%: mean per-case Dice ${value}`))).toBe(true);
  }
  const table = page.locator('.sweep-table');
  await page.screenshot({ path: `${SHOTS}/sweep-chart-hover.png` });
  await page.mouse.move(0, 0);
  await expect(tip).toHaveCount(0);
  await chart.focus();
  await page.keyboard.press('ArrowRight');
  await expect(tip).toContainText('0% sparsity');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(tip).toContainText('90% sparsity');
  await expect(table).toBeVisible();
  await expect(page.locator('.sweep-table tbody tr')).toHaveCount(6);

  const grid = page.getByTestId('sweep-grid');
  await expect(grid).toHaveAttribute('data-levels', '3');
  const rows = Number(await grid.getAttribute('data-rows'));
  expect(rows).toBe(3); // 6 phantom cases, half of them in the validation split
  await expect(page.getByTestId('sweep-cell')).toHaveCount(rows * 3);
  expect(await canvasVariance(page, '[data-testid=sweep-cell] canvas')).toBeGreaterThan(10);

  // The slice control moves every row at once.
  // Slice numbers are 1-based everywhere (the fixture scores every slice, so position 2 = slice 2).
  await page.getByLabel('Slice (synced across the grid)').fill('1');
  await expect(grid.locator('tbody th[scope=row] .sweep-muted')).toHaveText(Array(rows).fill('slice 2'));
  await page.screenshot({ path: `${SHOTS}/sweep.png`, fullPage: true });

  await page.getByTestId('sweep-cell').nth(1).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('50 % sparsity');
  await page.screenshot({ path: `${SHOTS}/sweep-cell.png` });
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // Reopening shows the saved sweep without recomputing.
  await page.reload();
  await selectOurRuns(page);
  await expect(page.getByTestId('dice-chart')).toHaveAttribute('data-points', '3');
  await expect(page.getByTestId('sweep-cell')).toHaveCount(rows * 3);
  await expect(page.getByRole('progressbar', { name: 'Sweep progress' })).toHaveCount(0);
});

test('prediction grid: readable case column, every level in view at 1280×800 and 1920×1080, 1-based slices, a tile opens large with outlines', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/?token=${E2E_TOKEN}#/sweep`);
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await selectOurRuns(page);
  await page.getByLabel('Levels (%)').fill('0, 50, 70, 80, 90, 95, 98');
  await page.getByRole('button', { name: /Start sweep \(2 runs\)/ }).click();
  await expect(page.locator('.sweep-progress')).toContainText('done', { timeout: 90_000 });
  const grid = page.getByTestId('sweep-grid');
  await expect(grid).toHaveAttribute('data-levels', '7');

  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ]) {
    await page.setViewportSize({ width, height });
    const scroll = page.locator('.sweep-grid__scroll');
    // Fits the width: no horizontal scrolling, every level's column inside the visible box.
    await expect.poll(() => scroll.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
    const box = (await scroll.boundingBox())!;
    for (const th of await grid.locator('thead th').all()) {
      const b = (await th.boundingBox())!;
      expect(b.x).toBeGreaterThanOrEqual(box.x - 1);
      expect(b.x + b.width).toBeLessThanOrEqual(box.x + box.width + 1);
    }
    // The case names read on one line.
    for (const name of await grid.locator('.sweep-grid__case').all()) expect((await name.boundingBox())!.height).toBeLessThan(24);
    await grid.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/sweep-grid-${width}x${height}.png` });
  }

  // Narrower than the levels need: it scrolls, and the case column and the header stay in place.
  await page.setViewportSize({ width: 700, height: 700 });
  const scroll = page.locator('.sweep-grid__scroll');
  await expect.poll(() => scroll.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  const caseCell = grid.locator('tbody th[scope=row]').first();
  const before = (await caseCell.boundingBox())!.x;
  await scroll.evaluate((el) => el.scrollBy({ left: 400 }));
  // (It may slide by the 4 px border spacing onto the edge, then stays.)
  await expect.poll(async () => Math.abs((await caseCell.boundingBox())!.x - before)).toBeLessThanOrEqual(5);
  await page.setViewportSize({ width: 1280, height: 800 });

  // A tile opens that slice at that level, large, with both outlines; the slice number is the row's.
  const row = grid.locator('tbody tr').first();
  const slice = (await row.locator('.sweep-muted').textContent())!.trim();
  expect(slice).toMatch(/^slice [1-9]\d*$/);
  await row.getByTestId('sweep-cell').nth(4).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`${slice} · 90 % sparsity`);
  const big = dialog.getByTestId('sweep-cell-big');
  await expect(big).toHaveAttribute('data-outlines', 'true');
  await expect(dialog.getByRole('list', { name: 'Overlay colours' })).toContainText('True outline');
  expect(await canvasVariance(page, '[data-testid=sweep-cell-big] canvas')).toBeGreaterThan(10);
  await page.screenshot({ path: `${SHOTS}/sweep-cell-outlines.png` });
  await page.keyboard.press('Escape');

  // The fragile list names slices the way the grid does.
  const fragile = page.locator('.sweep-fragile button').first();
  if ((await page.locator('.sweep-fragile button').count()) > 0) {
    const [caseId, named] = (await fragile.textContent())!.split(' · ');
    await fragile.click();
    await expect(
      grid
        .locator('tbody tr')
        .filter({ has: page.locator(`th[title="${caseId}"]`) })
        .locator('.sweep-muted'),
    ).toHaveText(named.trim());
  }
});

test('channel family from the view: the sweep is labelled channel, levels say "removed", files shrink with the level', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`/?token=${E2E_TOKEN}#/sweep`);
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await selectOurRuns(page);
  await page.getByLabel('Family').selectOption('channel');
  await expect(page.locator('#sweep-family-msg')).toContainText('rebuilt smaller');
  await expect(page.getByLabel('Scope')).toBeDisabled();
  // The default levels (up to 98 %) are more than channel pruning can remove: refused at Start, before any work, naming the maximum.
  await page.getByRole('button', { name: /Start sweep \(2 runs\)/ }).click();
  await expect(page.locator('.sweep-error')).toContainText(
    /Channel pruning can remove at most 9\d\.\d % of this model's weights, not .*98\.0 % \(run "e2e-sweep-(sgd|var)": Levels was left at the default levels.*choose levels up to 9\d\.0 %/,
  );
  await expect(page.locator('.sweep-progress')).toHaveCount(0);
  await page.getByLabel('Levels (%)').fill('0, 50, 100');
  await expect(page.locator('#sweep-levels-msg')).toHaveText('Channel levels must be below 100 %');
  await expect(page.getByRole('button', { name: /Start sweep/ })).toBeDisabled();
  await page.getByLabel('Levels (%)').fill('0, 50, 75');
  await page.getByRole('button', { name: /Start sweep \(2 runs\)/ }).click();
  await expect(page.locator('.sweep-progress')).toContainText('done', { timeout: 90_000 });

  const chart = page.getByTestId('dice-chart');
  await expect(chart).toHaveAttribute('data-points', '3');
  await expect(chart.locator('svg')).toContainText('conv weights removed with their channels');
  // The read-out names the level the same way (a channel level is not a sparsity).
  await chart.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('chart-tip').locator('strong')).toHaveText('50%: conv weights removed with their channels');
  await chart.blur();
  const table = page.locator('.sweep-table');
  await expect(table.locator('[data-family=channel]')).toHaveCount(2);
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(6);
  // Achieved: at least the level, removed with the channels; the ONNX file shrinks level by level.
  const sizes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const cells = rows.nth(i).locator('td');
    await expect(cells.nth(1)).toContainText('removed');
    const text = (await cells.nth(2).innerText()).trim();
    const m = /([\d.]+) (KiB|MiB|B)/.exec(text);
    expect(m).not.toBeNull();
    sizes.push(Number(m![1]) * (m![2] === 'MiB' ? 1024 * 1024 : m![2] === 'KiB' ? 1024 : 1));
  }
  expect(parseFloat(await rows.nth(1).locator('td').nth(1).innerText())).toBeGreaterThanOrEqual(50);
  expect(sizes[1]).toBeLessThan(sizes[0]);
  expect(sizes[2]).toBeLessThan(sizes[1]);
  await expect(page.getByLabel('Sweep shown for e2e-sweep-sgd')).toContainText('channel');
  await page.screenshot({ path: `${SHOTS}/sweep-channel.png`, fullPage: true });
});

test('both families side by side: Dice against level, measured speed-up and file size, with notes for what was not measured', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto(`/?token=${E2E_TOKEN}#/sweep`);
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await selectOurRuns(page);
  const sweeps = page.getByLabel('Sweep shown for e2e-sweep-sgd').locator('option');
  const start = async (family: string, levels: string, count: number) => {
    await page.getByLabel('Family').selectOption(family);
    await page.getByLabel('Levels (%)').fill(levels);
    await expect(page.locator('#sweep-levels-msg')).toHaveText(`${count} levels`);
    const before = await sweeps.count();
    await page.getByRole('button', { name: /Start sweep \(2 runs\)/ }).click();
    // Finished when the list holds the new sweep (the previous sweep's "done" may still show meanwhile).
    await expect(sweeps).toHaveCount(before + 1, { timeout: 90_000 });
    await expect(page.locator('.sweep-progress')).toContainText('done');
  };
  // The view measures latency and file size unless asked not to.
  await expect(page.locator('.sweep-form').getByLabel('Measure')).toHaveValue('latency');
  await start('unstructured', '0, 50, 90', 3);
  await start('channel', '0, 50, 75', 3);

  const section = page.locator('.sweep-family');
  const chart = page.getByTestId('family-chart');
  await expect(chart).toHaveAttribute('data-axis', 'level');
  await expect(chart).toHaveAttribute('data-series', '2');
  await expect(chart).toHaveAttribute('data-points', '6');
  const svg = chart.locator('svg');
  await expect(svg).toContainText('unstructured pruning (level = sparsity)');
  await expect(svg).toContainText('channel pruning (level = conv weights removed)');
  await expect(svg.locator('text.tag')).toHaveText(['0%', '50%', '90%', '0%', '50%', '75%']);
  await expect(page.getByTestId('family-notes')).toHaveCount(0);

  // Against the measured speed-up: every marker says what it is, including the same-run latency.
  await section.getByLabel('Speed-up vs dense').check();
  await expect(chart).toHaveAttribute('data-axis', 'speedup');
  await expect(chart).toHaveAttribute('data-points', '6');
  await expect(svg).toContainText('speed-up vs the dense model');
  const titles = await svg.locator('title').allTextContents();
  expect(titles).toHaveLength(6);
  for (const t of titles)
    expect(t).toMatch(
      /: mean per-case Dice \d\.\d{3} .*fp32 ONNX file .+, gzip .+; [\d.]+ ms median in onnxruntime-node, dense [\d.]+ ms in the same 20 rounds: ([\d.]+x (faster|slower)|same speed \([\d.]+x, within timing noise\))$/,
    );
  expect(titles[3]).toMatch(/^channel, 0%: conv weights removed with their channels/);
  // The results table (showing the channel sweeps) gives each level the measured file's size, as the chart does.
  const tableSizes = await page
    .locator('.sweep-table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[2].textContent!.trim()));
  const chartSizes = titles.slice(3).map((t) => /fp32 ONNX file (.+?), gzip/.exec(t)![1]);
  expect(tableSizes).toEqual(expect.arrayContaining(chartSizes));
  // Hovering the first marker reads it out.
  const dot = (await svg.locator('circle[r="3"]').first().boundingBox())!;
  await page.mouse.move(dot.x + dot.width / 2, dot.y + dot.height / 2);
  await expect(page.getByTestId('family-tip')).toContainText(titles[0]);
  await page.mouse.move(0, 0);

  // Against the file size: channel files shrink with the level, unstructured ones keep their size.
  await section.getByLabel('ONNX file size').check();
  await expect(chart).toHaveAttribute('data-axis', 'file');
  await expect(svg).toContainText('fp32 ONNX file, KiB (as the export writes it)');
  const cx = await svg.locator('circle[r="3"]').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cx'))));
  expect(cx).toHaveLength(6);
  expect(Math.max(...cx.slice(0, 3)) - Math.min(...cx.slice(0, 3))).toBeLessThan(8);
  expect(cx[4]).toBeLessThan(cx[3] - 20);
  expect(cx[5]).toBeLessThan(cx[4]);
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: `${SHOTS}/sweep-families-file.png` });
  await section.getByLabel('Speed-up vs dense').check();
  await section.screenshot({ path: `${SHOTS}/sweep-families-speedup.png` });

  // A channel sweep without measurements: the chart keeps the unstructured family and says how to get the rest.
  await page.locator('.sweep-form').getByLabel('Measure').selectOption('none');
  await start('channel', '0, 50', 2);
  await expect(chart).toHaveAttribute('data-points', '3');
  await expect(page.getByTestId('family-notes')).toContainText(
    /Measured latency not recorded for the channel sweep sw-[\w-]+ \(measure: nothing\): re-run it with Measure “latency and file size”/,
  );
  await section.getByLabel('Level', { exact: true }).check();
  await expect(chart).toHaveAttribute('data-points', '5');
  await expect(page.getByTestId('family-notes')).toHaveCount(0);
});

test('Export view, channel family as ONNX and TFLite: the rebuilt network is saved, the card and the summary name the family, the .tflite runs in LiteRT.js', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto(`/?token=${E2E_TOKEN}#/export`);
  const runSelect = page.getByRole('combobox', { name: 'Run to export' });
  const value = await runSelect.locator('option', { hasText: 'e2e-sweep-sgd' }).first().getAttribute('value');
  await runSelect.selectOption(value!);
  await page.getByLabel('Sparsity level in percent').fill('50');
  await page.getByRole('combobox', { name: 'Pruning family' }).selectOption('channel');
  await expect(page.getByRole('combobox', { name: 'Pruning scope' })).toBeDisabled();
  await page.getByRole('checkbox', { name: /TensorFlow Lite/ }).check();
  // The preview writes and times both formats and their dense baselines (LiteRT.js starts on first use).
  await expect(page.getByTestId('model-card')).toContainText('Family: channel pruning', { timeout: 90_000 });
  await page.getByRole('button', { name: 'Save export' }).click();
  await expect(page.locator('.export-done')).toContainText(
    /Saved 2 exports at [5-9]\d(\.\d+)? % of the conv weights removed \(channel pruning\)/,
    { timeout: 120_000 },
  );
  await expect(page.getByTestId('size-report').locator('tbody th')).toHaveText(['onnx fp32', 'tflite fp32']);
  // measured in LiteRT.js against the dense float32 .tflite, Dice from the file's own predictions
  await expect(page.getByTestId('size-report').locator('tbody tr').nth(1)).toContainText('LiteRT.js');
  await expect(page.getByTestId('export-verdicts')).toContainText(/tflite fp32: .*Dice.*\(vs the dense float32 model in litert\.js\)/);
  await expect(page.getByTestId('model-card')).toContainText('rebuilt smaller');
  // The fixture's runs trained their one epoch: the card counts it from the exported weights.
  await expect(page.getByTestId('model-card')).toContainText('Epochs: 1 of 1');
  await page.screenshot({ path: `${SHOTS}/export-channel.png`, fullPage: true });
});
