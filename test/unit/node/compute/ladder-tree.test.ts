/**
 * The backend ladder runs once per process tree: an experiment on `auto` (the CLI, its cell
 * processes and what they start) probes WebGPU in the CLI only, so Dawn's "vkCreateInstance: Found
 * no drivers" (printed by every process that probes on a machine without a GPU driver, as here)
 * appears at most once, the skipped rungs are named once, and no TensorFlow.js banner appears.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LADDER_ENV } from '../../../../src/node/compute/ladderDecision';

const root = resolve(import.meta.dirname, '../../../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('backend ladder in a process tree', () => {
  it('an auto experiment probes once: one Dawn warning at most, each skipped rung named once, no tfjs banner', { timeout: 600_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'var-ladder-'));
    dirs.push(dir);
    const config = join(dir, 'auto.json');
    writeFileSync(config, JSON.stringify({ extends: 'tiny', name: 'ladder-tree', backend: 'auto', varLambdas: [0], epochs: 1 }));
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The tree's own first process decides: nothing inherited from the test runner, and no
    // SwiftShader (so Dawn finds no driver and says so, as on a machine without a GPU).
    delete env[LADDER_ENV];
    delete env.VK_ICD_FILENAMES;
    delete env.VAR_STUDIO_BACKEND;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const run = spawnSync(
      process.execPath,
      ['--import', tsx, join(root, 'src/main/cli/index.ts'), 'experiment', '--config', config, '--out', join(dir, 'out'), '--jobs', '1'],
      { cwd: root, env, encoding: 'utf8' },
    );
    const log = `${run.stdout}\n${run.stderr}`;
    expect(run.status, log).toBe(0);
    expect(log.match(/vkCreateInstance: Found no drivers/g)?.length ?? 0, log).toBeLessThanOrEqual(1);
    expect(log).not.toMatch(/looks like you are running TensorFlow\.js/);
    // The CLI names the skipped rungs in its header; no process repeats them.
    for (const rung of ['tensorflow-gpu', 'webgpu', 'tensorflow']) {
      expect(log.match(new RegExp(`(^|[ (;[])${rung} skipped`, 'g'))?.length ?? 0, `${rung}: ${log}`).toBeLessThanOrEqual(1);
    }
  });
});
