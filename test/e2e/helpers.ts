/**
 * Shared by the e2e specs (not a spec itself). Every spec file talks to the same browser-mode
 * server and the same studio home (one temp dir per `playwright test`), so a spec that needs a
 * fresh studio asks for one with `resetStudio()` instead of relying on the order the files run in.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { E2E_PORT, E2E_TOKEN } from '../../playwright.config';

/** Named screenshots kept next to the per-test ones (outputDir is wiped per run, this folder is not). */
export const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });

const BASE = `http://127.0.0.1:${E2E_PORT}`;

/**
 * One API call with the token, by plain fetch (a `request` fixture in beforeAll/afterAll trips
 * trace recording). Returns the result or throws the studio error.
 */
export async function callApi<T = unknown>(name: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${BASE}/api/call/${name}`, {
    method: 'POST',
    headers: { 'x-var-studio-token': E2E_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { ok: boolean; result?: T; error?: { code: string; what: string } };
  if (!json.ok) throw new Error(`${name}: ${json.error?.code} ${json.error?.what}`);
  return json.result as T;
}

/** Closes every open dataset of the session. */
export async function closeDatasets(): Promise<void> {
  const list = await callApi<{ id: string }[]>('datasets.list');
  for (const d of list) await callApi('datasets.close', { id: d.id });
}

/** Deletes runs (all, or those whose name matches), with their sweeps and exports. */
export async function deleteRuns(match: (name: string) => boolean = () => true): Promise<void> {
  const { runs, jobs } = await callApi<{ runs: { id: string; name: string }[]; jobs: { jobId: string; runId?: string; name?: string }[] }>(
    'runs.list',
  );
  const doomed = runs.filter((r) => match(r.name));
  // A queued or running job keeps its run: cancel it first (the run then stops at a checkpoint).
  for (const j of jobs) if (doomed.some((r) => r.id === j.runId)) await callApi('jobs.cancel', { jobId: j.jobId }).catch(() => undefined);
  for (const r of doomed) {
    for (let attempt = 0; ; attempt++) {
      try {
        await callApi('runs.delete', { runId: r.id });
        break;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  }
}

/** A studio with no dataset open and no run: what a first start looks like. */
export async function resetStudio(): Promise<void> {
  await closeDatasets();
  await deleteRuns();
}

export interface CanvasStats {
  width: number;
  height: number;
  /** Grey-level variance: 0 means one flat colour (blank). */
  variance: number;
  /** Pixels brighter than near-black. */
  nonBlack: number;
}

/** Reads back the pixels of the first canvas matching `selector` (what the user sees). */
export function canvasStats(page: Page, selector: string, nth = 0): Promise<CanvasStats> {
  return page.evaluate(
    ([sel, i]) => {
      const c = document.querySelectorAll<HTMLCanvasElement>(sel)[i];
      if (!c) throw new Error(`no canvas ${sel} #${i}`);
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let s = 0;
      let q = 0;
      let nonBlack = 0;
      const n = data.length / 4;
      for (let k = 0; k < data.length; k += 4) {
        const g = (data[k] + data[k + 1] + data[k + 2]) / 3;
        s += g;
        q += g * g;
        if (g > 8) nonBlack++;
      }
      return { width: c.width, height: c.height, variance: q / n - (s / n) ** 2, nonBlack };
    },
    [selector, nth] as const,
  );
}

const CONTROL_ROLES = new Set([
  'button',
  'textbox',
  'searchbox',
  'checkbox',
  'radio',
  'switch',
  'combobox',
  'listbox',
  'slider',
  'spinbutton',
  'menuitem',
  'tab',
  'link',
]);

/**
 * An accessibility pass over what Chromium exposes now (its own accessibility tree, over CDP):
 * every control that is not hidden from assistive technology (buttons, text fields, checkboxes,
 * selects, sliders, links) must have a non-empty accessible name. Returns the offenders as
 * "role: <html…>"; empty when every control is labelled.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Accessibility.enable');
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const out: string[] = [];
    for (const node of nodes) {
      const role = String(node.role?.value ?? '');
      if (node.ignored || !CONTROL_ROLES.has(role)) continue;
      const name = String(node.name?.value ?? '').trim();
      if (name) continue;
      let html = `node ${node.backendDOMNodeId}`;
      if (node.backendDOMNodeId !== undefined) {
        const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: node.backendDOMNodeId });
        if (object.objectId) {
          const r = await cdp.send('Runtime.callFunctionOn', {
            objectId: object.objectId,
            functionDeclaration: 'function () { return this.outerHTML ? this.outerHTML.slice(0, 200) : String(this.nodeName); }',
            returnByValue: true,
          });
          html = String(r.result.value);
        }
      }
      out.push(`${role}: ${html}`);
    }
    return out;
  } finally {
    await cdp.detach();
  }
}

/**
 * The pid of the running helper process started from `out/main/<file>` (0 when none runs): the
 * specs that must catch a job mid-way pause it (SIGSTOP), because on a quiet machine the job can
 * end before a click reaches it.
 */
export function helperProcess(file: string): number {
  const script = resolve('out/main', file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const r = spawnSync('pgrep', ['-f', script], { encoding: 'utf8' });
  const pids = r.stdout.trim().split('\n').filter(Boolean).map(Number);
  expect(pids.length, `at most one ${file} process is running`).toBeLessThanOrEqual(1);
  return pids[0] ?? 0;
}
