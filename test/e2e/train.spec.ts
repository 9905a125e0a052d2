/**
 * The Train view end to end in browser mode: a tiny config through the form (validation message,
 * Enter submits), progress bar and live charts fill, the run lands in the runs list as completed
 * with its backend, a second run with VAR, the two weight histograms overlaid, and delete with a
 * confirmation that Escape dismisses.
 */
import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN } from '../../playwright.config';
import { callApi, resetStudio, SHOTS, unlabelledControls } from './helpers';

// The test ends on an empty runs list: start from one, whatever other spec files left behind.
test.beforeEach(resetStudio);

test.setTimeout(90_000);
// Tall enough that the screenshots show the form, the live panel and the runs list at once.
test.use({ viewport: { width: 1400, height: 1600 } });

/** Plotted values of a chart figure (UPlotChart sets data-points). */
async function points(page: Page, name: string | RegExp): Promise<number> {
  return Number(await page.getByRole('figure', { name }).getAttribute('data-points'));
}

async function fillTiny(page: Page, name: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Training settings' });
  await form.getByLabel('Run name').fill(name);
  await form.getByLabel('Phantom cases').fill('4');
  await form.getByLabel('Slices per case').fill('4');
  await form.getByLabel('Model preset').selectOption('reference');
  await form.getByLabel('Input size (px)').fill('16');
  await form.getByLabel('Width multiplier').fill('0.25');
  await form.getByLabel('Batch size').fill('4');
  await form.getByLabel('Learning rate').fill('0.05');
  await form.getByLabel('Epochs').fill('2');
}

function runRow(page: Page, name: string) {
  return page
    .getByRole('table', { name: 'Training runs' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name, exact: true }) });
}

test('trains two tiny runs from the form, shows them live and overlays their histograms', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`/?token=${E2E_TOKEN}#/train`);
  await expect(page.getByRole('main')).toHaveAttribute('data-active-view', 'train');
  const form = page.getByRole('form', { name: 'Training settings' });

  // Validation from the run-config schema, next to the field, and no start while it stands.
  await fillTiny(page, 'sgd-e2e');
  await form.getByLabel('Epochs').fill('0');
  const epochs = form.locator('[data-field="epochs"]');
  await expect(epochs.locator('.field__error')).toHaveText('Must be at least 1');
  await expect(form.getByLabel('Epochs')).toHaveAttribute('aria-invalid', 'true');
  await form.getByLabel('Input size (px)').fill('20');
  await expect(form.locator('[data-field="inputSize"] .field__error')).toContainText('multiple of 8');
  await form.getByLabel('Input size (px)').fill('16');
  await form.getByLabel('Epochs').fill('2');
  await expect(form.locator('.field__error')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/train-form.png`, fullPage: true });

  // Enter in a field submits the form.
  await form.getByLabel('Epochs').press('Enter');
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toBeVisible();
  // While it trains (cancel buttons, live panel), every control is named too.
  expect(await unlabelledControls(page), 'controls without an accessible name').toEqual([]);
  await expect(runRow(page, 'sgd-e2e')).toHaveAttribute('data-status', 'completed', { timeout: 45_000 });
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute('value', '100');
  expect(await points(page, 'Training loss')).toBeGreaterThan(1);
  await expect.poll(() => points(page, 'Validation per-case Dice')).toBe(2);
  expect(await points(page, 'Weight distribution')).toBeGreaterThan(3);
  const sgdRow = runRow(page, 'sgd-e2e');
  await expect(sgdRow).toContainText(/wasm|cpu|tensorflow/);
  await expect(sgdRow).toContainText('2/2');
  await page.screenshot({ path: `${SHOTS}/train-completed.png`, fullPage: true });

  // The same experiment with VAR on.
  await fillTiny(page, 'var-e2e');
  await form.getByLabel('VAR regulariser').check();
  await form.getByLabel('VAR lambda').fill('0.0001');
  await form.getByRole('button', { name: /Start training|Queue run/ }).click();
  await expect(runRow(page, 'var-e2e')).toHaveAttribute('data-status', 'completed', { timeout: 45_000 });
  await expect(runRow(page, 'var-e2e')).toContainText('SGD+VAR');

  // Compare: the two histograms overlaid, one statistics row each.
  await page.getByRole('checkbox', { name: 'Compare sgd-e2e' }).check();
  await page.getByRole('checkbox', { name: 'Compare var-e2e' }).check();
  const overlay = page.getByRole('figure', { name: 'Weight distribution: overlay of two runs' });
  await expect(overlay).toBeVisible();
  await expect(overlay.locator('canvas')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Weight statistics' }).getByRole('row')).toHaveCount(3);
  // Two series over the same fixed bins.
  expect(await points(page, 'Weight distribution: overlay of two runs')).toBeGreaterThan(6);
  await page.screenshot({ path: `${SHOTS}/train-overlay.png`, fullPage: true });
  // The zoom around zero, where VAR's effect shows; the share of |w| < 1e-3 per run; the columns explained.
  await page.getByLabel('Histogram range').selectOption('0.05');
  await expect(page.getByRole('figure', { name: 'Weight distribution: overlay of two runs' }).locator('canvas')).toBeVisible();
  for (const row of (await page.getByRole('table', { name: 'Weight statistics' }).getByRole('row').all()).slice(1))
    await expect(row).toContainText(/\d+\.\d\d%/);
  const glossary = page.getByRole('definition').filter({ hasText: 'largest eigenvalue of the loss Hessian' });
  await expect(glossary).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/train-overlay-zoom.png`, fullPage: true });

  // The flatness diagnostic runs as a job and lands in the list (top Hessian eigenvalue).
  await page.getByRole('button', { name: 'Compute flatness of sgd-e2e' }).click();
  await expect(runRow(page, 'sgd-e2e').locator('td').nth(9)).toHaveText(/^-?\d/, { timeout: 30_000 });
  await expect(runRow(page, 'sgd-e2e')).toHaveAttribute('data-status', 'completed');

  // Reopen the first run: its stored epochs fill the charts again.
  await page.getByRole('button', { name: 'Open sgd-e2e' }).click();
  await expect(page.locator('.progress-panel__name')).toHaveText('sgd-e2e');
  await expect.poll(() => points(page, 'Validation per-case Dice')).toBe(2);

  // Delete asks first; Escape keeps the run, confirming removes it.
  await page.getByRole('button', { name: 'Delete var-e2e' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Delete run "var-e2e"?' });
  await expect(dialog).toBeVisible();
  expect(await unlabelledControls(page), 'controls without an accessible name').toEqual([]);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(runRow(page, 'var-e2e')).toHaveCount(1);
  for (const name of ['var-e2e', 'sgd-e2e']) {
    await page.getByRole('button', { name: `Delete ${name}` }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete run' }).click();
    await expect(runRow(page, name)).toHaveCount(0);
  }
  // Back to an empty list (other specs may rely on a fresh studio).
  await expect(page.getByRole('note', { name: 'No training run yet' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('pre-flight: refuses a split it cannot make and more workers than cores, then estimates the time', async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}#/train`);
  const form = page.getByRole('form', { name: 'Training settings' });
  await fillTiny(page, 'preflight-e2e');
  const status = page.getByRole('status', { name: 'Pre-flight' });

  // Two patients cannot fill training, validation and test: the message sits next to the field.
  await form.getByLabel('Phantom cases').fill('2');
  await expect(form.locator('[data-field="phantomCases"] .field__error')).toContainText(
    '2 patients cannot be split into training, validation and test',
  );
  await expect(status).toContainText('This run cannot start');
  await form.getByRole('button', { name: 'Start training' }).click();
  await expect(form.getByLabel('Phantom cases')).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/train-preflight-refused.png`, fullPage: true });

  // Gradient workers are capped at the cores, in words.
  await form.getByLabel('Phantom cases').fill('4');
  await form.getByLabel('Gradient workers').fill('64');
  await expect(form.locator('[data-field="workers"] .field__error')).toContainText(
    /This machine has \d+ cores?: at most \d+ gradient workers? can run at once/,
  );
  await form.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('note', { name: 'No training run yet' })).toBeVisible();

  // Sound settings: what it will train on and a time estimate, before anything starts.
  await form.getByLabel('Gradient workers').fill('0');
  await expect(form.locator('.field__error')).toHaveCount(0);
  await expect(status).toContainText('4 cases (4 with masks), 4 patients');
  await expect(status.getByTestId('preflight-estimate')).toContainText(/Estimated time: about \d+ (s|min)/, { timeout: 60_000 });
  await page.screenshot({ path: `${SHOTS}/train-preflight.png`, fullPage: true });
  // The form survives a reload.
  await page.reload();
  await expect(form.getByLabel('Run name')).toHaveValue('preflight-e2e');
  await expect(form.getByLabel('Gradient workers')).toHaveValue('0');
});

test('live status: the table and the panel agree, the panel stays on the training run, a reload rebuilds it', async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}#/train`);
  const form = page.getByRole('form', { name: 'Training settings' });
  await fillTiny(page, 'long-e2e');
  await form.getByLabel('Epochs').fill('60');
  await form.getByLabel('Gradient workers').fill('0');
  await expect(page.getByRole('status', { name: 'Pre-flight' })).toContainText('4 cases');
  await form.getByRole('button', { name: 'Start training' }).click();

  const panel = page.locator('.progress-panel');
  const badge = page.getByTestId('live-status');
  await expect(badge).toHaveText(/training \d+%/, { timeout: 30_000 });
  const runId = await panel.getAttribute('data-run');
  expect(runId).toBeTruthy();
  const row = page.locator(`tr[data-run="${runId}"]`);
  await expect(row).toHaveAttribute('data-status', 'running');
  await expect(row.locator('.run-badge')).toHaveText(/training \d+%/);

  // A run queued behind it does not take the panel away from the run that trains.
  await form.getByLabel('Run name').fill('queued-e2e');
  await form.getByLabel('Epochs').fill('1');
  await form.getByRole('button', { name: 'Queue run' }).click();
  const queued = page.locator('tr[data-job]').filter({ hasText: 'queued-e2e' });
  await expect(queued.locator('.run-badge')).toHaveText('queued #1');
  await expect(panel).toHaveAttribute('data-run', runId!);
  await expect(badge).toHaveText(/training \d+%/);

  // After a reload: the same run, the same state in both places, and its loss history is back.
  const before = Number(await page.getByRole('figure', { name: 'Training loss' }).getAttribute('data-points'));
  await page.reload();
  await expect(panel).toHaveAttribute('data-run', runId!);
  await expect(panel).toHaveAttribute('data-state', 'running');
  await expect(row).toHaveAttribute('data-status', 'running');
  await expect
    .poll(async () => Number(await page.getByRole('figure', { name: 'Training loss' }).getAttribute('data-points')))
    .toBeGreaterThanOrEqual(before);
  await page.screenshot({ path: `${SHOTS}/train-live-after-reload.png`, fullPage: true });

  // Stop both; the cancelled run reopened shows the step losses from its log.
  await queued.getByRole('button', { name: 'Cancel queued-e2e' }).click();
  await row.getByRole('button', { name: 'Cancel long-e2e' }).click();
  await expect(row).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
  await expect(badge).toHaveText('cancelled');
  const logged = await callApi<{ points: unknown[] }>('runs.steps', { runId });
  expect(logged.points.length).toBeGreaterThan(0);
  await page.reload();
  await row.getByRole('button', { name: 'Open long-e2e' }).click();
  // Plotted values = the logged step losses + one mean per finished epoch.
  const record = await callApi<{ epochs: unknown[] }>('runs.get', { runId });
  await expect(page.getByRole('figure', { name: 'Training loss' })).toHaveAttribute(
    'data-points',
    String(logged.points.length + record.epochs.length),
  );
});
