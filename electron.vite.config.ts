/**
 * Three bundles: main (Electron main + CLI + worker entries, ESM, dependencies external),
 * preload (CJS: sandboxed preloads cannot be ES modules), renderer (React).
 *
 * Main-process entries: add a line to MAIN_ENTRIES. Worker entries need no edit: every
 * src/worker/<name>.worker.ts becomes out/main/<name>.worker.js.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './src/shared/api/csp';

const root = import.meta.dirname;

const MAIN_ENTRIES: Record<string, string> = {
  index: 'src/main/index.ts',
  cli: 'src/main/cli/index.ts',
};

function workerEntries(): Record<string, string> {
  const dir = resolve(root, 'src/worker');
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return {};
  }
  return Object.fromEntries(files.filter((f) => f.endsWith('.worker.ts')).map((f) => [f.slice(0, -'.ts'.length), `src/worker/${f}`]));
}

/** Injects the one CSP (src/shared/api/csp.ts) as a meta tag, so file:// loads in Electron carry it too. */
function cspMeta(): Plugin {
  return {
    name: 'var-studio:csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
    ],
  };
}

/**
 * electron-vite's ESM shim adds `const require = createRequire(...)` (and __dirname/__filename) to
 * every chunk that mentions require(, even when a module declares its own `const require =
 * createRequire(import.meta.url)` (a common Node idiom), which is then a duplicate declaration.
 * Drop the shim's binding when the chunk already declares one at top level.
 */
function dedupeCjsShim(): Plugin {
  return {
    name: 'var-studio:dedupe-cjs-shim',
    enforce: 'post',
    renderChunk(code) {
      let out = code;
      for (const id of ['require', '__filename', '__dirname']) {
        const decls = out.match(new RegExp(`^(?:const|let|var) ${id}\\s*=`, 'gm')) ?? [];
        if (decls.length > 1) {
          out = out.replace(
            new RegExp(`^const ${id} = (?:__shims_module__|import\\.meta|__shims_url__|__shims_path__)[^\\n]*\\n`, 'm'),
            '',
          );
        }
      }
      return out === code ? null : { code: out, map: null };
    },
  };
}

const abs = (entries: Record<string, string>) => Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, resolve(root, v)]));

export default defineConfig({
  main: {
    plugins: [dedupeCjsShim()],
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rolldownOptions: {
        input: abs({ ...MAIN_ENTRIES, ...workerEntries() }),
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads may only require('electron'): bundle everything else in.
      externalizeDeps: false,
      rolldownOptions: {
        input: abs({ index: 'src/preload/index.ts' }),
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    base: './',
    plugins: [react(), cspMeta()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      minify: true,
      rolldownOptions: { input: resolve(root, 'src/renderer/index.html') },
    },
  },
});
