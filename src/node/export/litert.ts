/**
 * LiteRT.js (`@litertjs/core`, Google's TFLite runtime for JavaScript: XNNPACK CPU kernels in
 * WebAssembly) in Node, to load and run the exported .tflite files.
 *
 * LiteRT.js is written for browsers: it loads its Emscripten glue script with a <script> tag, or
 * with `importScripts` in a worker, and reads the factory it defines from `self.ModuleFactory`.
 * The glue itself runs in Node (it detects Node and reads the .wasm with node:fs). So in Node we
 * provide `self` and an `importScripts` that evaluates the glue from node_modules with the
 * CommonJS names it expects (require, __dirname, __filename). Nothing is fetched: the wasm comes
 * from node_modules/@litertjs/core/wasm. Node 20 has no relaxed SIMD, so LiteRT picks its
 * compatible (plain SIMD) build; one thread.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { StudioError } from '../../shared/errors';
import type { Runtime } from '../../shared/export/schemas';

type LiteRtModule = typeof import('@litertjs/core');
export type CompiledModel = Awaited<ReturnType<LiteRtModule['loadAndCompile']>>;

/** The runtime name in size reports and checks. */
export const LITERT_RUNTIME = 'litert.js' satisfies Runtime;

const require_ = createRequire(import.meta.url);

/** node_modules/@litertjs/core/wasm/ (the package has no exports map, so its package.json resolves). */
export function litertWasmDir(): string {
  return path.join(path.dirname(require_.resolve('@litertjs/core/package.json')), 'wasm') + path.sep;
}

let loading: Promise<LiteRtModule> | undefined;

/**
 * Provides `self` and `importScripts` while LiteRT starts and removes them afterwards: other
 * Emscripten code (the tfjs wasm backend) reads a global importScripts as "running in a worker".
 */
function installScriptLoader(): () => void {
  const g = globalThis as Record<string, unknown>;
  const had = { self: 'self' in g, importScripts: 'importScripts' in g };
  if (!had.self) g.self = globalThis;
  if (!had.importScripts) {
    g.importScripts = (url: string | URL) => {
      const file = String(url).startsWith('file:') ? new URL(String(url)).pathname : String(url);
      const code = fs.readFileSync(file, 'utf8');
      const factory = vm.compileFunction(`${code}\n;return ModuleFactory;`, ['require', '__dirname', '__filename'], { filename: file });
      g.ModuleFactory = factory(createRequire(file), path.dirname(file), file);
    };
  }
  return () => {
    if (!had.importScripts) delete g.importScripts;
    if (!had.self) delete g.self;
  };
}

/** Loads LiteRT.js once per process (its wasm from node_modules). */
export function loadLiteRtRuntime(): Promise<LiteRtModule> {
  loading ??= (async () => {
    const lrt = await import('@litertjs/core');
    const uninstall = installScriptLoader();
    // LiteRT logs that WebGPU is missing (expected in Node); the CPU accelerator is what we use.
    const quiet = quietConsole();
    try {
      await lrt.loadLiteRt(litertWasmDir());
    } finally {
      quiet();
      uninstall();
    }
    return lrt;
  })().catch((e: unknown) => {
    loading = undefined;
    throw new StudioError({
      code: 'backend',
      what: `LiteRT.js could not start (${e instanceof Error ? e.message : String(e)})`,
      hint: 'Run npm ci so node_modules/@litertjs/core/wasm is present',
    });
  });
  return loading;
}

/** Silences console.error/warn while LiteRT starts (it reports WebGPU as missing, which is expected in Node). */
function quietConsole(): () => void {
  const { warn, error } = console;
  console.warn = () => undefined;
  console.error = () => undefined;
  return () => {
    console.warn = warn;
    console.error = error;
  };
}

/** Compiles .tflite bytes for LiteRT's CPU (XNNPACK) accelerator. Call `delete()` when done. */
export async function compileTflite(bytes: Uint8Array, opts: { threads?: number } = {}): Promise<CompiledModel> {
  const lrt = await loadLiteRtRuntime();
  try {
    return await lrt.loadAndCompile(bytes, { accelerator: 'wasm', cpuOptions: { numThreads: opts.threads ?? 1 } });
  } catch (e) {
    throw new StudioError({
      code: 'backend',
      what: `LiteRT.js could not load the TFLite model (${e instanceof Error ? e.message : String(e)})`,
      hint: 'Re-export the model; if it persists, report the model config',
    });
  }
}

/** Runs the model on one input of its fixed shape and returns the first output's values. */
export async function runTflite(model: CompiledModel, input: Float32Array, shape: number[]): Promise<Float32Array> {
  const lrt = await loadLiteRtRuntime();
  const x = new lrt.Tensor(input, shape);
  try {
    const outs = await model.run(x);
    try {
      return Float32Array.from(outs[0].toTypedArray() as Float32Array);
    } finally {
      for (const o of outs) o.delete();
    }
  } finally {
    x.delete();
  }
}

/**
 * Runs the model on one input (signature input `inputName`) and returns every output's values by
 * signature name (LiteRT.js maps them), so a caller never depends on the order of the outputs.
 */
export async function runTfliteNamed(
  model: CompiledModel,
  inputName: string,
  input: Float32Array,
  shape: number[],
): Promise<Record<string, Float32Array>> {
  const lrt = await loadLiteRtRuntime();
  const x = new lrt.Tensor(input, shape);
  try {
    const outs = await model.run({ [inputName]: x });
    try {
      return Object.fromEntries(Object.entries(outs).map(([k, o]) => [k, Float32Array.from(o.toTypedArray() as Float32Array)]));
    } finally {
      for (const o of Object.values(outs)) o.delete();
    }
  } finally {
    x.delete();
  }
}

/** Runs a batch one image at a time (the file's batch is 1). */
export async function runTfliteBatch(
  model: CompiledModel,
  input: Float32Array,
  shape: [number, number, number, number],
): Promise<Float32Array> {
  const [n, h, w, c] = shape;
  const per = h * w * c;
  const parts: Float32Array[] = [];
  for (let i = 0; i < n; i++) parts.push(await runTflite(model, input.subarray(i * per, (i + 1) * per), [1, h, w, c]));
  const out = new Float32Array(parts.reduce((k, p) => k + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
