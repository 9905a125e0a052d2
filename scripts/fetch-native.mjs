#!/usr/bin/env node
// `npm run fetch:native`: the downloads that `.npmrc` (ignore-scripts) keeps out of `npm ci`.
// Each step may fail (offline, blocked hosts, no CUDA); the studio then still runs on wasm.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

const steps = [
  { name: 'Electron binary', dir: 'node_modules/electron', args: ['install.js'], host: 'github.com (Electron releases)' },
  {
    name: '@tensorflow/tfjs-node native library',
    dir: 'node_modules/@tensorflow/tfjs-node',
    args: ['scripts/install.js'],
    host: 'storage.googleapis.com',
  },
  {
    name: '@tensorflow/tfjs-node-gpu native library',
    dir: 'node_modules/@tensorflow/tfjs-node-gpu',
    args: ['scripts/install.js', 'gpu', 'download'],
    host: 'storage.googleapis.com',
  },
];

const failed = [];
for (const step of steps) {
  const cwd = join(root, step.dir);
  if (!existsSync(join(cwd, step.args[0]))) {
    console.log(`- ${step.name}: package not installed, skipped.`);
    failed.push(step.name);
    continue;
  }
  console.log(`- ${step.name}: fetching from ${step.host}…`);
  // Same environment npm would give the install script, minus the global ignore-scripts.
  const r = spawnSync(process.execPath, step.args, {
    cwd,
    stdio: 'inherit',
    timeout: 10 * 60_000,
    env: { ...process.env, npm_config_ignore_scripts: 'false' },
  });
  if (r.status === 0) console.log(`  ok: ${step.name}`);
  else {
    console.log(`  FAILED: ${step.name} (exit ${r.status ?? r.signal ?? r.error?.message}).`);
    failed.push(step.name);
  }
}

if (failed.length) {
  console.log(`\nNot fetched: ${failed.join('; ')}.`);
  console.log('That is fine: VAR Studio still works. Without Electron, `npm start` runs browser mode;');
  console.log('without tfjs-node it computes on the wasm backend. The status line shows which backend is used.');
} else {
  console.log('\nAll native parts fetched. `npm start` will open the Electron window.');
}
// Never fail: missing native parts are a supported configuration, not an error.
process.exit(0);
