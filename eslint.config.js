// ESLint flat config. `npm run lint` runs it; `npm test` runs lint before the unit tests.
// The import boundaries below ARE the layering table of ARCHITECTURE.md: change them together.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/**
 * The layers of ARCHITECTURE.md: the files each holds and the source layers it may import.
 * `packages` says which npm packages and built-ins a layer must not import.
 */
const LAYERS = {
  shared: { files: ['src/shared/**'], mayImport: ['shared'] },
  node: { files: ['src/node/**'], mayImport: ['shared', 'node'] },
  worker: { files: ['src/worker/**'], mayImport: ['shared', 'node', 'worker'] },
  services: { files: ['src/main/services/**'], mayImport: ['shared', 'node', 'services'] },
  server: { files: ['src/main/server/**'], mayImport: ['shared', 'node', 'services', 'server'] },
  // `var-studio serve` is browser mode, so the CLI may start the server (it never loads electron).
  cli: { files: ['src/main/cli/**'], mayImport: ['shared', 'node', 'services', 'server', 'cli'] },
  'electron-main': {
    files: ['src/main/electron/**', 'src/main/index.ts'],
    mayImport: ['shared', 'node', 'services', 'server', 'cli', 'electron-main'],
  },
  // src/preload may reach only the API contract folder of src/shared (see `preloadOnlyApi` below).
  preload: { files: ['src/preload/**'], mayImport: ['shared', 'preload'] },
  renderer: { files: ['src/renderer/**'], mayImport: ['shared', 'renderer'] },
};

/** Folder (for import-x zones) of each layer. */
const FOLDER = {
  shared: './src/shared',
  node: './src/node',
  worker: './src/worker',
  services: './src/main/services',
  server: './src/main/server',
  cli: './src/main/cli',
  'electron-main': ['./src/main/electron', './src/main/index.ts'],
  preload: './src/preload',
  renderer: './src/renderer',
};

const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith('_'));
const NODE_ONLY_PACKAGES = ['ws', 'onnxruntime-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'];
const DOM_PACKAGES = ['react', 'react-dom', 'cornerstone-core', 'uplot'];

/** Options of `no-restricted-imports` for one layer: electron, Node built-ins, Node-only and DOM packages. */
function restrictedPackages(layer) {
  const paths = [];
  const patterns = [];
  const ban = (names, message) => {
    for (const name of names) paths.push({ name, message });
    patterns.push({ group: names.map((n) => `${n}/*`), message });
  };
  if (layer !== 'electron-main' && layer !== 'preload') ban(['electron'], `${layer} must not import electron (ARCHITECTURE.md layers)`);
  if (['shared', 'preload', 'renderer'].includes(layer)) {
    ban(NODE_BUILTINS, `${layer} must not import Node built-ins (ARCHITECTURE.md layers)`);
    patterns.push({ group: ['node:*'], message: `${layer} must not import Node built-ins (ARCHITECTURE.md layers)` });
  }
  if (layer === 'shared' || layer === 'renderer')
    ban(NODE_ONLY_PACKAGES, `${layer} must not import Node-only packages (ARCHITECTURE.md layers)`);
  if (layer !== 'renderer') ban(DOM_PACKAGES, `${layer} must not import DOM packages (ARCHITECTURE.md layers)`);
  if (layer === 'preload') {
    // Sandboxed: electron and relative imports only.
    patterns.push({ regex: '^(?!electron$|\\.)', message: 'preload must not import npm packages: it is sandboxed' });
  }
  return { paths, patterns };
}

/** Zones of `import-x/no-restricted-paths` for one layer: the source layers it must not import. */
function restrictedZones(layer) {
  const target = LAYERS[layer].files.map((f) => './' + f.replace(/\/\*\*$/, ''));
  const zones = Object.keys(LAYERS)
    .filter((other) => !LAYERS[layer].mayImport.includes(other))
    .map((other) => ({ target, from: FOLDER[other], message: `${layer} must not import ${other} (ARCHITECTURE.md layers)` }));
  // Nothing in src/ imports from outside it but the root package.json (the version).
  zones.push({
    target,
    from: ['./test', './bench', './scripts', './bin', './out'],
    message: `${layer} must not import outside src/ (ARCHITECTURE.md layers)`,
  });
  if (layer === 'preload') {
    zones.push({
      target,
      from: './src/shared',
      except: ['./api'],
      message: 'preload may only import src/shared/api (ARCHITECTURE.md layers)',
    });
  }
  return zones;
}

const layerConfigs = Object.keys(LAYERS).map((layer) => ({
  name: `var-studio/layers/${layer}`,
  files: LAYERS[layer].files.map((f) => (f.endsWith('/**') ? `${f}/*.{ts,tsx,mts}` : f)),
  rules: {
    'no-restricted-imports': ['error', restrictedPackages(layer)],
    'import-x/no-restricted-paths': ['error', { zones: restrictedZones(layer) }],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'runs/**',
      'scratch/**',
      'bench-results/**',
      // AssemblyScript, not TypeScript: compiled to WebAssembly by scripts/build-kernels.mjs.
      'kernels/**',
      'src/shared/compute/simd-kernels.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    name: 'var-studio/base',
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: {
      // Sources import either `./x` or `./x.js` for `x.ts`: resolve both like TypeScript does.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.json'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports', disallowTypeAnnotations: false }],
      'import-x/no-duplicates': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    name: 'var-studio/renderer',
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  ...layerConfigs,
  prettier,
);
