/**
 * The backend ladder: tensorflow-gpu > webgpu (hardware adapter) > tensorflow > wasm > cpu (README, Compute backends).
 *
 * The native rungs come from optional packages whose install scripts may not have run, so they
 * are only ever loaded lazily inside try/catch, and every rung that is skipped says why.
 * webgpu on a software adapter (SwiftShader) is slower than wasm, so the automatic ladder skips
 * it; asking for "webgpu" explicitly (tests, VAR_STUDIO_BACKEND=webgpu) accepts it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, type BackendName, type BackendPreference, type GpuAdapter } from '../../shared/backend';
import { StudioError } from '../../shared/errors';
import { registerCpuKernelFixes, registerWasmTrainingKernels } from '../../shared/compute';
import { inheritedDecision, recordDecision } from './ladderDecision';
import { activateWebgpu, probeWebgpu, requestAdapter, resetWebgpu, webgpuFailure } from './webgpu';

export type { BackendName, BackendPreference };

export interface BackendFallback {
  name: BackendName;
  reason: string;
}

export interface BackendInfo {
  name: BackendName;
  /** Human-readable: package, version, build flavour. Shown in the UI and stored in run records. */
  detail: string;
  /** Compute threads the backend uses in this process (wasm: 1; data-parallel workers are counted by their pool). */
  threads?: number;
  /** Rungs above the chosen one that were tried and skipped, best first. */
  fallbacks: BackendFallback[];
  /** webgpu only: the GPU adapter (vendor, architecture, description; software or not). */
  adapter?: GpuAdapter;
}

export interface BackendOptions {
  /** Where "rung X skipped because Y" lines go. Default: stderr, once per process, silent in workers (see ladderLog). */
  log?: (line: string) => void;
}

/** The rungs, best first: the one backend-name list (src/shared/backend.ts) is in ladder order. */
export const BACKEND_LADDER: readonly BackendName[] = BACKEND_NAMES;
export const BACKEND_ENV = 'VAR_STUDIO_BACKEND';

const NATIVE_PACKAGE: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

const require = createRequire(import.meta.url);

// tfjs's cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js" advert
// for tfjs-node at its first tensor, in every thread and process. The studio chooses its backend
// itself (the ladder below says why a rung was skipped), so the advert is noise. PROD mode only
// silences tfjs's console warnings (tfjs 4.22; DEBUG checks are a separate flag). Every studio
// thread or process that computes goes through this module.
tf.env().set('PROD', true);

const printed = new Set<string>();
/**
 * The default destination of the ladder's lines: each line at most once per process, and none
 * from worker threads or job processes (forked with an IPC channel): their host already said
 * which backend it chose, and the run records carry it.
 */
function ladderLog(line: string): void {
  if (!isMainThread || typeof process.send === 'function' || printed.has(line)) return;
  printed.add(line);
  console.warn(line);
}

/** Preference from the argument, else from VAR_STUDIO_BACKEND, else 'auto'. */
export function resolvePreference(preference?: BackendPreference | string): BackendPreference {
  const raw = (preference ?? process.env[BACKEND_ENV] ?? 'auto').trim().toLowerCase();
  if (raw === '' || raw === 'auto') return 'auto';
  if ((BACKEND_LADDER as readonly string[]).includes(raw)) return raw as BackendName;
  throw new StudioError({
    code: 'bad-input',
    what: `Unknown compute backend "${raw}"${preference === undefined ? ` (from ${BACKEND_ENV})` : ''}`,
    hint: `Use one of: auto, ${BACKEND_LADDER.join(', ')}.`,
  });
}

/** The rungs to try for a preference: an explicit choice starts the ladder there and may still fall down. */
function rungsFor(preference: BackendPreference): BackendName[] {
  if (preference === 'auto') return [...BACKEND_LADDER];
  return BACKEND_LADDER.slice(BACKEND_LADDER.indexOf(preference));
}

/**
 * Where the ladder starts: at the rung a parent process already chose for the same preference
 * (its skipped rungs are taken over, not probed or logged again; see ./ladderDecision.ts), else
 * at the top of rungsFor.
 */
function ladderStart(preference: BackendPreference): { rungs: BackendName[]; fallbacks: BackendFallback[] } {
  const inherited = inheritedDecision(preference);
  if (inherited) return { rungs: BACKEND_LADDER.slice(BACKEND_LADDER.indexOf(inherited.name)), fallbacks: [...inherited.fallbacks] };
  return { rungs: rungsFor(preference), fallbacks: [] };
}

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // Native loader errors run to several lines of advice; the first line carries the cause.
  return text.split('\n')[0].trim();
}

/** Path of the compiled addon a native package would load, or an explanation why there is none. */
function nativeBinding(pkg: string): { path: string } | { reason: string } {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${pkg}/package.json`);
  } catch {
    return { reason: `${pkg} is not installed (optional dependency)` };
  }
  // The same lookup the package performs itself, without executing its kernel registrations.
  try {
    const preGyp = createRequire(pkgJson)('@mapbox/node-pre-gyp') as { find(p: string): string };
    const path = preGyp.find(pkgJson);
    if (!existsSync(path)) {
      return {
        reason: `${pkg} is installed without its native addon (${path} missing; install scripts did not run; \`npm rebuild ${pkg}\` fetches it)`,
      };
    }
    return { path };
  } catch (e) {
    return { reason: `${pkg}: cannot locate its native addon: ${message(e)}` };
  }
}

function nvidiaDriverPresent(): boolean {
  if (process.platform !== 'linux') return true; // no cheap check elsewhere: let the load decide
  return existsSync('/proc/driver/nvidia/version');
}

type Probe = { ok: true; detail: string; adapter?: GpuAdapter } | { ok: false; reason: string };

/** Cheap check of one rung: does not change the active tfjs backend. */
async function probeRung(name: BackendName, preference: BackendPreference): Promise<Probe> {
  if (name === 'webgpu') return probeWebgpu(preference === 'webgpu');
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    const pkg = NATIVE_PACKAGE[name];
    const found = nativeBinding(pkg);
    if ('reason' in found) return { ok: false, reason: found.reason };
    if (name === 'tensorflow-gpu' && !nvidiaDriverPresent()) {
      return { ok: false, reason: `${pkg} is installed but no NVIDIA driver was found (/proc/driver/nvidia/version)` };
    }
    try {
      // dlopen of the addon is what fails when libtensorflow or CUDA libraries are missing.
      require(found.path);
    } catch (e) {
      return { ok: false, reason: `${pkg} native addon failed to load: ${message(e)}` };
    }
    return { ok: true, detail: `${pkg} ${packageVersion(pkg)}` };
  }
  if (name === 'wasm') {
    try {
      require.resolve('@tensorflow/tfjs-backend-wasm');
    } catch {
      return { ok: false, reason: '@tensorflow/tfjs-backend-wasm is not installed' };
    }
    if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object')
      return { ok: false, reason: 'WebAssembly is not available in this runtime' };
    return { ok: true, detail: `@tensorflow/tfjs-backend-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')}` };
  }
  return { ok: true, detail: `@tensorflow/tfjs-backend-cpu ${tf.version_core} (plain JavaScript)` };
}

function packageVersion(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

function skip(fallbacks: BackendFallback[], name: BackendName, reason: string, log: (line: string) => void): void {
  fallbacks.push({ name, reason });
  log(`[backend] ${name} skipped: ${reason}`);
}

/** Which backend initBackend would pick, and why the rungs above it would be skipped. */
export async function probeBackend(preference?: BackendPreference, options: BackendOptions = {}): Promise<BackendInfo> {
  const log = options.log ?? ladderLog;
  const pref = resolvePreference(preference);
  const { rungs, fallbacks } = ladderStart(pref);
  for (const name of rungs) {
    const r = await probeRung(name, pref);
    if (r.ok) {
      recordDecision(pref, name, fallbacks);
      return { name, detail: r.detail, threads: name === 'wasm' ? 1 : undefined, fallbacks, ...(r.adapter ? { adapter: r.adapter } : {}) };
    }
    skip(fallbacks, name, r.reason, log);
  }
  // cpu always probes ok, so this is unreachable unless the ladder changes.
  throw new StudioError({ code: 'backend', what: 'No compute backend is available', hint: 'Reinstall the app.' });
}

let active: { preference: BackendPreference; info: BackendInfo } | undefined;

/** Activate one rung for real. Returns the detail line or throws with the reason. */
async function activate(name: BackendName, probeDetail: string): Promise<{ detail: string; threads?: number }> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    const pkg = NATIVE_PACKAGE[name];
    await import(pkg);
    // The native package registers 'tensorflow' on whatever engine its own require('@tensorflow/tfjs')
    // resolved to. Seeing it here proves it is the engine our models use (npm dedupes the 4.22 copies).
    if (!tf.findBackend('tensorflow')) {
      throw new Error(`${pkg} loaded a different @tensorflow/tfjs copy than the studio (check npm ls @tensorflow/tfjs)`);
    }
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`tf.setBackend('tensorflow') failed`);
    return { detail: probeDetail };
  }
  if (name === 'webgpu') {
    const adapter = await requestAdapter();
    if (!adapter) throw new Error('the WebGPU adapter disappeared between probe and start');
    await activateWebgpu(adapter);
    return { detail: probeDetail };
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error(`tf.setBackend('wasm') failed`);
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return { detail: `${probeDetail} (${simd ? 'SIMD' : 'no SIMD'}, 1 thread per process)`, threads: 1 };
  }
  registerCpuKernelFixes();
  if (!(await tf.setBackend('cpu'))) throw new Error(`tf.setBackend('cpu') failed`);
  return { detail: probeDetail };
}

/**
 * Set the tfjs backend for this process: the first rung of the ladder (from `preference`, else
 * VAR_STUDIO_BACKEND, else auto) that loads. Idempotent for the same preference.
 */
export async function initBackend(preference?: BackendPreference, options: BackendOptions = {}): Promise<BackendInfo> {
  const pref = resolvePreference(preference);
  // A lost or failed GPU device is dropped here, so a resumed run gets a fresh one.
  if (active?.info.name === 'webgpu' && webgpuFailure()) {
    resetWebgpu();
    active = undefined;
  }
  if (active && active.preference === pref && tf.getBackend() === tfjsName(active.info.name)) return active.info;
  const log = options.log ?? ladderLog;
  const { rungs, fallbacks } = ladderStart(pref);
  for (const name of rungs) {
    const probe = await probeRung(name, pref);
    if (!probe.ok) {
      skip(fallbacks, name, probe.reason, log);
      continue;
    }
    try {
      const { detail, threads } = await activate(name, probe.detail);
      const info: BackendInfo = {
        name,
        detail,
        ...(threads !== undefined ? { threads } : {}),
        fallbacks,
        ...(probe.adapter ? { adapter: probe.adapter } : {}),
      };
      active = { preference: pref, info };
      recordDecision(pref, name, fallbacks);
      return info;
    } catch (e) {
      skip(fallbacks, name, message(e), log);
    }
  }
  throw new StudioError({
    code: 'backend',
    what: `No compute backend could be started (${fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ')})`,
    hint: `Set ${BACKEND_ENV}=cpu or reinstall the app.`,
  });
}

/** The tfjs engine's name for a studio backend name (both native rungs register as 'tensorflow'). */
export function tfjsName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

/** The backend initBackend chose in this process, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active?.info;
}

/**
 * The active backend's own failure, if it has one (webgpu: device lost, out of memory, a GPU
 * error that makes its results untrustworthy). Jobs check it after every step.
 */
export function backendFailure(): StudioError | undefined {
  return active?.info.name === 'webgpu' ? webgpuFailure() : undefined;
}

export function assertBackendHealthy(): void {
  const failure = backendFailure();
  if (failure) throw failure;
}
