/**
 * End-to-end tests: the real built renderer (out/renderer) in Debian's Chromium against browser
 * mode (`node out/main/cli.js serve`) on a fixed port with a known token. `npm test` builds first.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// Never try to download Playwright's own browsers: the system Chromium is used.
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD ??= '1';

export const E2E_PORT = Number(process.env.VAR_STUDIO_E2E_PORT ?? 47831);
export const E2E_TOKEN = 'e2e-token-0123456789abcdef';
const baseURL = `http://127.0.0.1:${E2E_PORT}`;
// A fresh studio home (runs, sweeps, exports) per test run, never the user's ~/.var-studio. Set once
// in the runner's environment so the test workers, which load this file again, see the same one.
process.env.VAR_STUDIO_E2E_HOME ??= mkdtempSync(join(tmpdir(), 'var-studio-e2e-'));
export const E2E_HOME = process.env.VAR_STUDIO_E2E_HOME;

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    // Browser mode reads only allowed roots: the tests' temp folders and the repo (node_modules test data).
    command: `node out/main/cli.js serve --no-open --port ${E2E_PORT} --allow-root ${tmpdir()} --allow-root ${process.cwd()}`,
    url: `${baseURL}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { VAR_STUDIO_TOKEN: E2E_TOKEN, VAR_STUDIO_HOME: E2E_HOME },
  },
});
