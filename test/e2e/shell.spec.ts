import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN } from '../../playwright.config';
import { resetStudio, SHOTS, unlabelledControls } from './helpers';

const BACKEND = /Backend: (tensorflow-gpu|tensorflow|wasm|cpu)\b/;
// Each view's own empty state on a first start: its title, and a line that says how to fill it.
const VIEWS = [
  { id: 'data', title: 'Data', key: '1', empty: 'No dataset loaded', hint: 'built-in FLAIR-like brain phantoms' },
  { id: 'train', title: 'Train', key: '2', empty: 'No training run yet', hint: 'Start a run with the form above' },
  { id: 'sweep', title: 'Sweep', key: '3', empty: 'No completed run yet', hint: 'Finish a run in the Train view first' },
  { id: 'export', title: 'Export', key: '4', empty: 'Nothing to export yet', hint: 'Train a run in the Train view first' },
  { id: 'predict', title: 'Predict', key: '5', empty: 'Nothing to predict with yet', hint: 'Train a run in the Train view first' },
];

// The empty states need a first start: no dataset open and no run, whatever the spec files that
// ran before left in the shared studio home.
test.beforeAll(resetStudio);

/** Console errors include CSP violations; the page must load without any. */
function trackErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

async function openStudio(page: Page): Promise<void> {
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByRole('status', { name: 'Shell and compute backend' })).toContainText(BACKEND);
}

test('shows the shell and the compute backend in the status line', async ({ page }) => {
  const errors = trackErrors(page);
  await openStudio(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/VAR Studio/);
  const status = page.getByRole('status', { name: 'Shell and compute backend' });
  await expect(status).toContainText('Shell: Browser');
  await expect(status).toContainText(BACKEND);
  // The token is kept for the tab but removed from the address bar.
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  await page.screenshot({ path: `${SHOTS}/shell-status.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('moves between the views by click', async ({ page }) => {
  await openStudio(page);
  for (const v of VIEWS) {
    const button = page.getByRole('button', { name: `${v.title} view (shortcut ${v.key})` });
    await button.click();
    await expect(button).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('main')).toHaveAttribute('data-active-view', v.id);
    await expect(page.getByRole('heading', { level: 2, name: v.title, exact: true })).toBeVisible();
    const note = page.getByRole('note', { name: v.empty });
    await expect(note).toBeVisible();
    await expect(note.getByRole('heading', { name: v.empty })).toBeVisible();
    await expect(note).toContainText(v.hint);
    expect(await unlabelledControls(page), `controls without an accessible name in the ${v.title} view`).toEqual([]);
    for (const other of VIEWS.filter((o) => o !== v)) {
      await expect(page.getByRole('button', { name: `${other.title} view (shortcut ${other.key})` })).not.toHaveAttribute(
        'aria-current',
        'page',
      );
    }
    await page.screenshot({ path: `${SHOTS}/view-${v.id}.png` });
  }
});

test('moves between the views with the keys 1-4', async ({ page }) => {
  await openStudio(page);
  for (const v of [...VIEWS].reverse()) {
    await page.keyboard.press(v.key);
    await expect(page.getByRole('main')).toHaveAttribute('data-active-view', v.id);
    await expect(page.getByRole('note', { name: v.empty })).toBeVisible();
  }
  // The view survives a reload (hash route) and the token survives in the tab's session.
  await page.keyboard.press('3');
  await page.reload();
  await expect(page.getByRole('main')).toHaveAttribute('data-active-view', 'sweep');
  await expect(page.getByRole('status', { name: 'Shell and compute backend' })).toContainText('Shell: Browser');
});

test('lists every key binding on ?, and keys do nothing while it is open', async ({ page }) => {
  await openStudio(page);
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  // The view keys, the viewer keys and the help key itself come from the one table.
  for (const v of VIEWS) await expect(help.getByRole('row', { name: `${v.key} ${v.title} view` })).toBeVisible();
  await expect(help.getByRole('row', { name: 'm Show or hide the mask overlay' })).toBeVisible();
  await expect(help.getByRole('row', { name: '? Show or hide this list of keys' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/key-help.png` });
  // A view key pressed under the dialog does not switch views.
  await page.keyboard.press('3');
  await expect(page.getByRole('main')).not.toHaveAttribute('data-active-view', 'sweep');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await page.keyboard.press('3');
  await expect(page.getByRole('main')).toHaveAttribute('data-active-view', 'sweep');
  // The button in the header opens it too; ? closes it.
  await page.getByRole('button', { name: 'Keyboard shortcuts (key ?)' }).click();
  await expect(help).toBeVisible();
  await page.keyboard.press('?');
  await expect(help).toBeHidden();
});

test('the API rejects a request without the token from the page', async ({ page }) => {
  await openStudio(page);
  const result = await page.evaluate(async () => {
    const post = (headers: Record<string, string>) =>
      fetch('/api/call/app.info', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '' }).then(
        async (r) => ({
          status: r.status,
          body: await r.json(),
        }),
      );
    const token = sessionStorage.getItem('var-studio.token') ?? '';
    return {
      without: await post({}),
      wrong: await post({ 'x-var-studio-token': 'x'.repeat(token.length) }),
      right: await post({ 'x-var-studio-token': token }),
    };
  });
  expect(result.without.status).toBe(401);
  expect(result.without.body).toMatchObject({ ok: false, error: { code: 'bad-input', what: 'Missing or wrong access token' } });
  expect(result.wrong.status).toBe(401);
  expect(result.right.status).toBe(200);
  expect(result.right.body.result.shell).toBe('browser');
});

test('events stream over the token-protected WebSocket', async ({ page }) => {
  await openStudio(page);
  const outcome = await page.evaluate(async () => {
    const token = sessionStorage.getItem('var-studio.token') ?? '';
    const refused = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://${location.host}/api/events`);
      ws.onopen = () => resolve(false);
      ws.onerror = () => resolve(true);
    });
    const ws = new WebSocket(`ws://${location.host}/api/events?token=${token}`);
    await new Promise((r) => (ws.onopen = r));
    const message = new Promise<unknown>((r) => (ws.onmessage = (m) => r(JSON.parse(String(m.data)))));
    await fetch('/api/call/app.ping', {
      method: 'POST',
      headers: { 'x-var-studio-token': token },
      body: JSON.stringify({ message: 'e2e', emitProgress: true }),
    });
    const got = await message;
    ws.close();
    return { refused, got };
  });
  expect(outcome.refused).toBe(true);
  expect(outcome.got).toMatchObject({ event: 'job.progress', payload: { jobId: 'ping', message: 'e2e', fraction: 1 } });
});

test('a page opened without the token says what to do', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('alert')).toContainText('without its access token');
  await expect(page.getByRole('alert')).toContainText('npm start');
});
