/**
 * The whole studio flow in one test (issue 9, "Done when"), in browser mode on phantom data with a
 * tiny config, only through the UI: load the phantom set in the Data view, train SGD and SGD+VAR
 * from the Train form, sweep both at four levels in the Sweep view, check the chart and the grid,
 * and export the VAR run at a level of its sweep in the Export view. Assertions read real content
 * back (canvas pixels, plotted values, grid cells); each view is kept as a screenshot
 * (test-results/screenshots/flow-*.png) and passes an accessibility check (every control named).
 */
import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN } from '../../playwright.config';
import { canvasStats, closeDatasets, deleteRuns, resetStudio, SHOTS, unlabelledControls } from './helpers';

const RUNS = { sgd: 'flow-sgd', var: 'flow-var' } as const;
const LEVELS = [0, 50, 90, 95];

test.setTimeout(150_000);
// Tall enough that each screenshot shows the whole view (the main area scrolls, not the page).
test.use({ viewport: { width: 1400, height: 1900 } });

// A first start: no dataset open, no run (whatever other spec files left in the shared home).
test.beforeEach(resetStudio);
test.afterAll(async () => {
  await closeDatasets();
  await deleteRuns((name) => name === RUNS.sgd || name === RUNS.var);
});

async function openView(page: Page, title: string, key: string, id: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('button', { name: `${title} view (shortcut ${key})` })
    .click();
  await expect(page.getByRole('main')).toHaveAttribute('data-active-view', id);
}

async function expectAllLabelled(page: Page): Promise<void> {
  expect(await unlabelledControls(page), 'controls without an accessible name').toEqual([]);
}

function runRow(page: Page, name: string) {
  return page
    .getByRole('table', { name: 'Training runs' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name, exact: true }) });
}

async function fillTinyRun(page: Page, name: string, withVar: boolean): Promise<void> {
  const form = page.getByRole('form', { name: 'Training settings' });
  await form.getByLabel('Run name').fill(name);
  await form.getByLabel('Data', { exact: true }).selectOption('phantoms');
  // 12 cases: 9 train, 2 validation, 1 test (split by patient).
  await form.getByLabel('Phantom cases').fill('12');
  await form.getByLabel('Slices per case').fill('4');
  await form.getByLabel('Model preset').selectOption('reference');
  await form.getByLabel('Input size (px)').fill('32');
  await form.getByLabel('Width multiplier').fill('0.25');
  await form.getByLabel('Optimizer', { exact: true }).selectOption('sgd');
  await form.getByLabel('Learning rate').fill('0.05');
  await form.getByLabel('VAR regulariser').setChecked(withVar);
  if (withVar) await form.getByLabel('VAR lambda').fill('0.0001');
  await form.getByLabel('Epochs').fill('2');
  await form.getByLabel('Batch size').fill('8');
  await form.getByLabel('Seed').fill('1');
  await expect(form.locator('.field__error')).toHaveCount(0);
}

test('whole flow on phantoms: load, train SGD and SGD+VAR, sweep, grid and chart, export', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

  await test.step('Data: the phantom set in one click, real pixels in the viewport', async () => {
    await page.goto(`/?token=${E2E_TOKEN}#/data`);
    await expect(page.getByRole('note', { name: 'No dataset loaded' })).toBeVisible();
    await page.getByRole('button', { name: 'Load phantom set' }).click();
    await expect(page.getByLabel('Detected format')).toHaveText('Phantoms', { timeout: 60_000 });
    await expect(page.getByRole('navigation', { name: 'Cases' }).getByRole('button').first()).toBeVisible();
    const viewport = page.locator('.slice-viewport');
    await expect(viewport).toHaveAttribute('data-image-id', /^varstudio:/);
    // Not blank: a brain with structure, not one flat colour.
    await expect.poll(async () => (await canvasStats(page, '.slice-viewport canvas')).variance, { timeout: 15_000 }).toBeGreaterThan(50);
    expect((await canvasStats(page, '.slice-viewport canvas')).nonBlack).toBeGreaterThan(1000);
    await expect(page.getByLabel('Slice metadata')).toContainText('px');
    await expectAllLabelled(page);
    await page.screenshot({ path: `${SHOTS}/flow-data.png` });
  });

  await test.step('Train: SGD and SGD+VAR from the form, both complete, histograms overlaid', async () => {
    await openView(page, 'Train', '2', 'train');
    const form = page.getByRole('form', { name: 'Training settings' });
    await fillTinyRun(page, RUNS.sgd, false);
    await form.getByRole('button', { name: 'Start training' }).click();
    await expect(page.getByRole('progressbar', { name: 'Training progress' })).toBeVisible();
    await expect(runRow(page, RUNS.sgd)).toHaveCount(1);
    // The second run queues behind the first (jobs run one at a time).
    await fillTinyRun(page, RUNS.var, true);
    await form.getByRole('button', { name: /Start training|Queue run/ }).click();
    await expect(runRow(page, RUNS.var)).toHaveCount(1);
    for (const name of [RUNS.sgd, RUNS.var])
      await expect(runRow(page, name)).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
    await expect(runRow(page, RUNS.sgd)).toContainText('2/2');
    await expect(runRow(page, RUNS.var)).toContainText('2/2');
    await expect(runRow(page, RUNS.var)).toContainText('SGD+VAR');
    await expect(runRow(page, RUNS.sgd)).not.toContainText('VAR');
    // The live charts of the run on screen are filled.
    await expect
      .poll(async () => Number(await page.getByRole('figure', { name: 'Validation per-case Dice' }).getAttribute('data-points')))
      .toBe(2);
    await page.getByRole('checkbox', { name: `Compare ${RUNS.sgd}` }).check();
    await page.getByRole('checkbox', { name: `Compare ${RUNS.var}` }).check();
    const overlay = page.getByRole('figure', { name: 'Weight distribution: overlay of two runs' });
    await expect(overlay).toBeVisible();
    expect((await canvasStats(page, 'figure[aria-label="Weight distribution: overlay of two runs"] canvas')).variance).toBeGreaterThan(0);
    await expect(page.getByRole('table', { name: 'Weight statistics' }).getByRole('row')).toHaveCount(3);
    await expectAllLabelled(page);
    await page.screenshot({ path: `${SHOTS}/flow-train.png` });
  });

  const rows = await test.step('Sweep: both runs at four levels; one chart point per level and run; rows × levels grid cells', async () => {
    await openView(page, 'Sweep', '3', 'sweep');
    await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
    // Exactly our two runs, whatever else the studio holds.
    const boxes = page.locator('.sweep-runs input[type=checkbox]');
    await expect(boxes.first()).toBeVisible();
    for (let i = 0; i < (await boxes.count()); i++) {
      const label = (await boxes.nth(i).getAttribute('aria-label')) ?? '';
      await boxes.nth(i).setChecked(label === `Include run ${RUNS.sgd}` || label === `Include run ${RUNS.var}`);
    }
    await page.getByLabel('Levels (%)').fill(LEVELS.join(', '));
    await expect(page.locator('#sweep-levels-msg')).toHaveText(`${LEVELS.length} levels`);
    await page.getByRole('button', { name: 'Start sweep (2 runs)' }).click();
    await expect(page.getByRole('progressbar', { name: 'Sweep progress' })).toBeVisible();
    await expect(page.locator('.sweep-progress')).toContainText('done', { timeout: 60_000 });

    // The chart: one x per level, two lines, a Dice value at every level of every run, drawn.
    const chart = page.getByTestId('dice-chart');
    await expect(chart).toHaveAttribute('data-points', String(LEVELS.length));
    await expect(chart).toHaveAttribute('data-series', '2');
    await expect(chart).toHaveAttribute('data-values', String(2 * LEVELS.length));
    await expect(page.getByRole('figure', { name: `Per-case Dice versus sparsity: 2 runs, ${LEVELS.length} levels` })).toBeVisible();
    await expect(chart.locator('svg')).toHaveCount(1);
    // Drawn: a marker per value, a line per run, and 95 % CI error bars (no std bands).
    await expect(chart.locator('svg circle[r="3"]')).toHaveCount(2 * LEVELS.length);
    await expect(chart.locator('svg path:not(.interval)')).toHaveCount(2);
    expect(await chart.locator('svg path.interval').count()).toBeGreaterThan(0);
    await expect(chart.locator('svg polygon')).toHaveCount(0);
    await expect(page.getByRole('table', { name: 'Sweep results per level' }).locator('tbody tr')).toHaveCount(2 * LEVELS.length);

    // The grid: cases as rows, one column per level, each cell a drawn image.
    const grid = page.getByTestId('sweep-grid');
    await expect(grid).toHaveAttribute('data-levels', String(LEVELS.length));
    await expect(grid.locator('thead th')).toHaveText(['Case', ...LEVELS.map((l) => `${l} %`)]);
    const gridRows = Number(await grid.getAttribute('data-rows'));
    expect(gridRows).toBe(2); // the two validation cases
    await expect(grid.locator('tbody tr')).toHaveCount(gridRows);
    const cells = page.getByTestId('sweep-cell');
    await expect(cells).toHaveCount(gridRows * LEVELS.length);
    for (let i = 0; i < gridRows * LEVELS.length; i++)
      expect((await canvasStats(page, '[data-testid=sweep-cell] canvas', i)).variance, `cell ${i}`).toBeGreaterThan(10);
    // The other run's grid has the same shape.
    const pick = page.getByRole('combobox', { name: 'Grid for' });
    const other = (await pick.inputValue()) === (await pick.locator('option').first().getAttribute('value')) ? 1 : 0;
    await pick.selectOption({ index: other });
    await expect(cells).toHaveCount(gridRows * LEVELS.length);
    await expect(grid).toHaveAttribute('data-levels', String(LEVELS.length));
    // A middle slice (lesions are there) for every row at once, then one cell enlarged.
    await page.getByLabel('Slice (synced across the grid)').fill('2');
    await expect(grid.locator('tbody th[scope=row] .sweep-muted')).toHaveText(Array(gridRows).fill('slice 3'));
    expect((await canvasStats(page, '[data-testid=sweep-cell] canvas', LEVELS.length - 1)).variance).toBeGreaterThan(10);
    await cells.nth(2).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText(`${LEVELS[2]} % sparsity`);
    expect((await canvasStats(page, '.sweep-modal canvas')).variance).toBeGreaterThan(10);
    await expectAllLabelled(page);
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expectAllLabelled(page);
    await page.screenshot({ path: `${SHOTS}/flow-sweep.png` });
    return gridRows;
  });
  expect(rows).toBeGreaterThan(0);

  await test.step('Export: the VAR run at 90 % from its sweep, size report and model card, saved', async () => {
    await openView(page, 'Export', '4', 'export');
    const runSelect = page.getByRole('combobox', { name: 'Run to export' });
    const value = await runSelect.locator('option', { hasText: RUNS.var }).getAttribute('value');
    await runSelect.selectOption(value!);
    const levels = page.getByRole('group', { name: "Levels of the run's sweep" }).getByRole('button');
    await expect(levels).toHaveCount(LEVELS.length);
    await levels.filter({ hasText: /^90 %/ }).click();
    await expect(page.getByLabel('Sparsity level in percent')).toHaveValue('90');
    await expect(page.getByRole('heading', { name: 'Size estimate (nothing written yet)' })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('model-card')).toBeVisible();
    await page.getByRole('button', { name: 'Save export' }).click();
    await expect(page.locator('.export-done')).toContainText(/Saved 1 export at 9\d(\.\d)? % sparsity/, { timeout: 60_000 });
    await expect(page.getByRole('heading', { name: 'Size report and measured quality' })).toBeVisible();
    await expect(page.getByTestId('size-report').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByTestId('size-report').locator('tbody th')).toHaveText('onnx fp32');
    // the verdict is computed from this export's own measurements against the dense float32 file
    await expect(page.getByTestId('export-verdicts')).toContainText(/onnx fp32: .*\(vs the dense float32 model in onnxruntime-node\)/);
    await expect(page.getByRole('list', { name: 'Saved folders' }).getByRole('listitem')).toHaveCount(1);
    await expect(page.getByRole('region', { name: 'Model card' })).toContainText(RUNS.var);
    await expectAllLabelled(page);
    await page.screenshot({ path: `${SHOTS}/flow-export.png` });
  });

  expect(errors).toEqual([]);
});
