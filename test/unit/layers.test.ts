/**
 * Enforces the import table of ARCHITECTURE.md by scanning every import in src/.
 * A failure names the file, the import and the rule it breaks.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

type Layer = 'shared' | 'node' | 'worker' | 'services' | 'server' | 'cli' | 'electron-main' | 'main-other' | 'preload' | 'renderer';

const SRC = resolve('src');

/** Which layer a file (path relative to src/, forward slashes) belongs to. */
export function layerOf(rel: string): Layer | undefined {
  if (rel.startsWith('shared/')) return 'shared';
  if (rel.startsWith('node/')) return 'node';
  if (rel.startsWith('worker/')) return 'worker';
  if (rel.startsWith('main/services/')) return 'services';
  if (rel.startsWith('main/server/')) return 'server';
  if (rel.startsWith('main/cli/')) return 'cli';
  if (rel.startsWith('main/electron/') || rel === 'main/index.ts') return 'electron-main';
  if (rel.startsWith('main/')) return 'main-other';
  if (rel.startsWith('preload/')) return 'preload';
  if (rel.startsWith('renderer/')) return 'renderer';
  return undefined;
}

const MAIN: Layer[] = ['services', 'server', 'cli', 'electron-main', 'main-other'];

/** Source layers each layer may import (ARCHITECTURE.md, "may import"). */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  shared: ['shared'],
  node: ['shared', 'node'],
  worker: ['shared', 'node', 'worker'],
  services: ['shared', 'node', 'services'],
  server: ['shared', 'node', 'services', 'server'],
  // `var-studio serve` is browser mode, so the CLI may start the server (it never loads electron).
  cli: ['shared', 'node', 'services', 'server', 'cli'],
  'electron-main': ['shared', 'node', ...MAIN],
  'main-other': ['shared', 'node', 'services', 'main-other'],
  preload: ['shared'],
  renderer: ['shared', 'renderer'],
};

const NODE_ONLY_PACKAGES = ['ws', 'onnxruntime-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'];
const DOM_PACKAGES = ['react', 'react-dom', 'cornerstone-core', 'uplot'];

function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Module specifiers of static imports/exports, side-effect imports, import() and require() with literal strings. */
export function importsOf(code: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;'"]*?\sfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]);
  return specs;
}

/** Why `spec` imported from file `rel` (relative to src/) breaks the table, or undefined. */
export function violation(rel: string, spec: string): string | undefined {
  const layer = layerOf(rel);
  if (!layer) return undefined;
  if (spec.startsWith('.')) {
    const abs = resolve(SRC, dirname(rel), spec);
    let target = relative(SRC, abs).split(sep).join('/');
    // The version comes from the root package.json; nothing else outside src/ may be imported.
    if (target === '../package.json') return undefined;
    if (target.startsWith('..')) return `${layer} imports outside src/ (${spec})`;
    if (existsSync(abs) && statSync(abs).isDirectory()) target += '/index.ts';
    const targetLayer = layerOf(target);
    // src/preload may only reach the API contract folder of src/shared.
    if (layer === 'preload' && targetLayer === 'shared' && !target.startsWith('shared/api/')) return `preload may only import src/shared/api (${spec})`;
    if (targetLayer && !MAY_IMPORT[layer].includes(targetLayer)) return `${layer} must not import ${targetLayer} (${spec})`;
    return undefined;
  }
  const pkg = packageName(spec);
  if (pkg === 'electron') {
    return layer === 'electron-main' || layer === 'preload' ? undefined : `${layer} must not import electron`;
  }
  if (isNodeBuiltin(spec)) {
    return ['shared', 'preload', 'renderer'].includes(layer) ? `${layer} must not import Node built-ins (${spec})` : undefined;
  }
  if (layer === 'preload') return `preload must not import npm packages (${spec}): it is sandboxed`;
  if (NODE_ONLY_PACKAGES.includes(pkg) && (layer === 'shared' || layer === 'renderer')) return `${layer} must not import the Node-only package ${pkg}`;
  if (DOM_PACKAGES.includes(pkg) && layer !== 'renderer') return `${layer} must not import the DOM package ${pkg}`;
  return undefined;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.(m?ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

describe('import layers (ARCHITECTURE.md)', () => {
  it('the scanner sees every import form', () => {
    const code = [
      "import a from 'electron';",
      "import type { B } from '../node/x';",
      "import {\n  c,\n  d,\n} from 'node:fs';",
      "export { e } from './e';",
      "export * from './f';",
      "import './side-effect.css';",
      "const g = await import('../main/g');",
      "const h = require('ws');",
      "// const notAnImport = 'import x from y' in a string stays out: ",
    ].join('\n');
    expect(importsOf(code)).toEqual(['electron', '../node/x', 'node:fs', './e', './f', './side-effect.css', '../main/g', 'ws']);
  });

  it('the rules catch the violations the table forbids', () => {
    expect(violation('renderer/App.tsx', 'electron')).toBeDefined();
    expect(violation('renderer/App.tsx', 'node:fs')).toBeDefined();
    expect(violation('renderer/App.tsx', '../node/data/scan')).toBeDefined();
    expect(violation('renderer/App.tsx', '../main/services')).toBeDefined();
    expect(violation('shared/model/x.ts', 'fs')).toBeDefined();
    expect(violation('shared/model/x.ts', '../../node/fs/atomic')).toBeDefined();
    expect(violation('shared/model/x.ts', 'react')).toBeDefined();
    expect(violation('node/x.ts', 'electron')).toBeDefined();
    expect(violation('node/x.ts', '../main/services')).toBeDefined();
    expect(violation('worker/train.worker.ts', '../renderer/App')).toBeDefined();
    expect(violation('main/services/x.ts', 'electron')).toBeDefined();
    expect(violation('main/server/x.ts', 'electron')).toBeDefined();
    expect(violation('main/cli/x.ts', 'electron')).toBeDefined();
    expect(violation('preload/index.ts', 'zod')).toBeDefined();
    expect(violation('preload/index.ts', '../shared/model/config')).toBeDefined();
    // and allow what it allows
    expect(violation('main/electron/app.ts', 'electron')).toBeUndefined();
    expect(violation('main/index.ts', 'electron')).toBeUndefined();
    expect(violation('preload/index.ts', 'electron')).toBeUndefined();
    expect(violation('preload/index.ts', '../shared/api/channels')).toBeUndefined();
    expect(violation('renderer/App.tsx', '../shared/api/contract')).toBeUndefined();
    expect(violation('node/compute/backend.ts', '../../shared/errors')).toBeUndefined();
    expect(violation('worker/a.worker.ts', '../node/compute/backend')).toBeUndefined();
  });

  it('no file in src/ breaks the table', () => {
    const problems: string[] = [];
    const files = walk(SRC);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const rel = relative(SRC, file).split(sep).join('/');
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const why = violation(rel, spec);
        if (why) problems.push(`src/${rel}: ${why}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
