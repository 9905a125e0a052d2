/**
 * Automated accessibility scan (axe-core) of every view of the registry, in the state a user meets
 * it in this studio home, plus the key-binding overlay: no serious or critical violation.
 */
import { execFileSync } from 'node:child_process';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { E2E_HOME, E2E_TOKEN } from '../../playwright.config';
import { deleteRuns, SHOTS } from './helpers';

const RUNS = ['e2e-sweep-sgd', 'e2e-sweep-var'];

// Views with content, not only their empty states: two trained runs and a sweep of them.
test.beforeAll(async () => {
  await deleteRuns((name) => RUNS.includes(name));
  execFileSync(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/sweep-runs.ts', E2E_HOME], {
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 60_000,
  });
});

async function serious(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 4)
          .join(' | ')}`,
    );
}

test('every view passes an axe scan with no serious violation', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(`/?token=${E2E_TOKEN}#/sweep`);
  const boxes = page.locator('.sweep-runs input[type=checkbox]');
  await expect(boxes.first()).toBeVisible();
  for (let i = 0; i < (await boxes.count()); i++) {
    const label = (await boxes.nth(i).getAttribute('aria-label')) ?? '';
    await boxes.nth(i).setChecked(RUNS.some((r) => label === `Include run ${r}`));
  }
  await page.getByLabel('Levels (%)').fill('0, 50, 90');
  await page.getByRole('button', { name: /Start sweep \(2 runs\)/ }).click();
  await expect(page.locator('.sweep-progress')).toContainText('done', { timeout: 60_000 });
  await expect(page.getByTestId('sweep-cell').first()).toBeVisible();
  const ids = await page
    .locator('nav[aria-label="Views"] button[data-view]')
    .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-view')!));
  expect(ids.length).toBeGreaterThanOrEqual(4);
  for (const id of ids) {
    await page.locator(`nav[aria-label="Views"] button[data-view="${id}"]`).click();
    await expect(page.getByRole('main')).toHaveAttribute('data-active-view', id);
    // Let the view load what it lists (runs, sweeps) before it is scanned.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    expect(await serious(page), `axe violations in the ${id} view`).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/a11y-${id}.png`, fullPage: true });
  }
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  expect(await serious(page), 'axe violations in the key-binding overlay').toEqual([]);
});
