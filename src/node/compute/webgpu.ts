/**
 * The webgpu rung: TensorFlow.js's WebGPU backend on Dawn's Node bindings (the `webgpu` package,
 * a Node-API addon shipped prebuilt in its npm tarball, so it needs no install script).
 *
 * Porting notes (departures from @tensorflow/tfjs-backend-webgpu's own registration):
 * - We pick the adapter ourselves, so a software adapter (SwiftShader, or any adapter reporting
 *   itself as a fallback) is refused unless the caller asked for webgpu explicitly.
 * - Dawn reports a buffer over the device's limits as an *uncaptured* validation error and hands
 *   back an invalid buffer, after which kernels silently compute garbage. A medical tool must not
 *   show such numbers, so every buffer is checked against the limits before it is created, and
 *   any uncaptured error or device loss is latched and fails the job at its next checkpoint
 *   (`assertWebgpuHealthy`).
 * - tfjs reads GPU data synchronously through OffscreenCanvas, which Node lacks: synchronous
 *   reads (`dataSync`) are replaced by an error naming the call, and studio code reads with
 *   `await tensor.data()`.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describeAdapter, type GpuAdapter } from '../../shared/backend';
import { registerWebgpuKernels } from '../../shared/compute';
import { StudioError } from '../../shared/errors';

const require = createRequire(import.meta.url);

/** Minimal shapes of the WebGPU objects we touch (the full types come with the addon). */
interface Limits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxStorageBuffersPerShaderStage: number;
}
interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
interface Device {
  limits: Limits;
  lost: Promise<{ reason: string; message: string }>;
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }): unknown;
  addEventListener?(type: 'uncapturederror', fn: (ev: { error: { message: string; constructor: { name: string } } }) => void): void;
  onuncapturederror?: ((ev: { error: { message: string; constructor: { name: string } } }) => void) | null;
  destroy(): void;
}
interface Adapter {
  info: AdapterInfo;
  isFallbackAdapter?: boolean;
  limits: Limits;
  features: Set<string>;
  requestDevice(desc: unknown): Promise<Device>;
}
interface Gpu {
  requestAdapter(opts?: { powerPreference?: string }): Promise<Adapter | null>;
}

const STORAGE = 0x80; // GPUBufferUsage.STORAGE

let gpu: Gpu | undefined;
let adapterCache: Promise<Adapter | null> | undefined;

/** The package that provides WebGPU in Node, or why it cannot load. */
export function webgpuPackages(): { detail: string } | { reason: string } {
  try {
    require.resolve('@tensorflow/tfjs-backend-webgpu');
  } catch {
    return { reason: '@tensorflow/tfjs-backend-webgpu is not installed' };
  }
  try {
    require.resolve('webgpu');
  } catch {
    return { reason: 'the webgpu package (Dawn for Node) is not installed' };
  }
  return { detail: `@tensorflow/tfjs-backend-webgpu ${version('@tensorflow/tfjs-backend-webgpu')} on Dawn (webgpu ${version('webgpu')})` };
}

function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** The adapter Dawn offers this process (cached: one GPU instance per process), or null. */
export async function requestAdapter(): Promise<Adapter | null> {
  adapterCache ??= (async () => {
    const mod = (await import('webgpu')) as unknown as { create(flags: string[]): Gpu; globals: Record<string, unknown> };
    // tfjs-backend-webgpu refers to GPUBufferUsage, GPUMapMode, ... as globals, like in a browser.
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    gpu = mod.create([]);
    // WebGPUBackend's constructor checks navigator.gpu, as in a browser. Node 21+ has a navigator.
    const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: Gpu };
    if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    return gpu.requestAdapter({ powerPreference: 'high-performance' });
  })();
  return adapterCache;
}

export function adapterOf(a: Adapter): GpuAdapter {
  const i = a.info;
  return {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
    software:
      Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe/i.test(`${i.architecture} ${i.description}`),
  };
}

/** Why the rung cannot run here (no adapter; software adapter not asked for), or the adapter. */
export async function probeWebgpu(
  allowSoftware: boolean,
): Promise<{ ok: true; detail: string; adapter: GpuAdapter } | { ok: false; reason: string }> {
  const pkgs = webgpuPackages();
  if ('reason' in pkgs) return { ok: false, reason: pkgs.reason };
  let adapter: Adapter | null;
  try {
    adapter = await requestAdapter();
  } catch (e) {
    return { ok: false, reason: `Dawn (the webgpu package) failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  if (!adapter) {
    return {
      ok: false,
      reason: 'no WebGPU adapter: Dawn found no Vulkan, Metal or Direct3D 12 GPU driver (on Linux: libvulkan1 and a GPU driver)',
    };
  }
  const info = adapterOf(adapter);
  if (info.software && !allowSoftware) {
    return {
      ok: false,
      reason: `the only WebGPU adapter is a software one (${info.description || info.architecture}); it is used only when asked for (backend "webgpu")`,
    };
  }
  return { ok: true, detail: `${pkgs.detail}; adapter: ${describeAdapter(info)}`, adapter: info };
}

// ---- device health ----------------------------------------------------------------------------

interface Health {
  lost?: string;
  error?: { kind: string; message: string };
}
let health: Health = {};
let device: Device | undefined;
let registered = false;

function oversized(what: string, bytes: number, limit: number, limitName: string): StudioError {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  return new StudioError({
    code: 'too-large',
    what: `The GPU cannot hold one ${what} of ${mb(bytes)}: the adapter's ${limitName} is ${mb(limit)}`,
    hint: 'Resume the run from its last checkpoint with a smaller batch size or image size, or choose another backend (wasm, cpu)',
  });
}

/** Throws when the device was lost or reported an error since the last check. */
export function assertWebgpuHealthy(): void {
  const failure = webgpuFailure();
  if (failure) throw failure;
}

/** The device's failure (loss, out-of-memory, validation error) as a StudioError, if any. */
export function webgpuFailure(): StudioError | undefined {
  if (health.lost !== undefined) {
    return new StudioError({
      code: 'backend',
      what: `The GPU device was lost (${health.lost})`,
      hint: 'The run stopped at its last checkpoint: resume it once the GPU is available again (after a driver reset or with fewer GPU programs open), or choose another backend',
    });
  }
  if (health.error) {
    const oom = health.error.kind === 'GPUOutOfMemoryError';
    return new StudioError({
      code: oom ? 'too-large' : 'backend',
      what: oom
        ? `The GPU ran out of memory (${health.error.message})`
        : `The GPU reported an error, so its results cannot be trusted (${health.error.kind}: ${health.error.message})`,
      hint: oom
        ? 'Resume the run from its last checkpoint with a smaller batch size or image size, or choose another backend (wasm, cpu)'
        : 'Resume the run from its last checkpoint; if it fails again, choose another backend and report the message',
    });
  }
  return undefined;
}

/**
 * After a device loss or error: drop the device and tfjs's webgpu backend, so the next
 * activation requests a new adapter and device (a resumed run can continue in this process).
 */
export function resetWebgpu(): void {
  if (!registered) return;
  registered = false;
  health = {};
  adapterCache = undefined;
  const lost = device;
  device = undefined;
  try {
    if (tf.findBackend('webgpu') || tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  } catch {
    // disposing a backend whose device is gone may fail; the backend is unusable either way
  }
  try {
    lost?.destroy();
  } catch {
    // already destroyed
  }
}

/** The live device of this process (tests use it to provoke limits and loss). */
export function webgpuDevice(): Device | undefined {
  return device;
}

/** Limits of the live device (for a pre-flight of the largest tensor a job will allocate). */
export function webgpuLimits(): Limits | undefined {
  return device?.limits;
}

/** Reject a buffer the device cannot create, before Dawn turns it into silent garbage. */
function guardBuffers(d: Device): void {
  const create = d.createBuffer.bind(d);
  d.createBuffer = (desc) => {
    if (desc.size > d.limits.maxBufferSize) throw oversized('buffer', desc.size, d.limits.maxBufferSize, 'maxBufferSize');
    if (desc.usage & STORAGE && desc.size > d.limits.maxStorageBufferBindingSize) {
      throw oversized('tensor', desc.size, d.limits.maxStorageBufferBindingSize, 'maxStorageBufferBindingSize');
    }
    if (health.lost !== undefined || health.error) assertWebgpuHealthy();
    return create(desc);
  };
}

/** A readSync that says what is wrong instead of reaching for OffscreenCanvas. */
function refuseSyncReads(backend: tf.KernelBackend): void {
  const b = backend as unknown as { readSync(id: unknown): unknown; tensorMap: { get(id: unknown): { values?: unknown } } };
  const original = b.readSync.bind(b);
  b.readSync = (dataId: unknown) => {
    // Values already on the CPU (uploaded, never touched by a kernel) are fine to read.
    if (b.tensorMap.get(dataId)?.values != null) return original(dataId);
    throw new StudioError({
      code: 'internal',
      what: 'A synchronous read of GPU data (dataSync/arraySync) was attempted on the webgpu backend, which Node cannot do',
      hint: 'Report this: studio code must read tensors with `await tensor.data()`',
    });
  };
}

/**
 * Register 'webgpu' with tfjs on `adapter`'s device and make it the active backend.
 * Requests the adapter's full buffer limits (like tfjs's own registration) so large tensors fit.
 */
export async function activateWebgpu(adapter: Adapter): Promise<void> {
  if (registered) {
    if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
    return;
  }
  // The import registers the kernels and its own backend factory, which would pick its own
  // adapter: replace that factory with one on the adapter chosen here.
  const mod = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as {
    WebGPUBackend: new (device: Device, info?: AdapterInfo) => tf.KernelBackend;
  };
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  registerWebgpuKernels();
  const l = adapter.limits;
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const d = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      // More inputs per AddN/Concat program (the kernels chunk to this limit).
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
  health = {};
  device = d;
  void d.lost.then((info) => {
    // resetWebgpu destroys the device after letting go of it: that one is not a failure.
    if (device === d) health.lost = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
  });
  const onError = (ev: { error: { message: string; constructor: { name: string } } }) => {
    health.error ??= { kind: ev.error.constructor?.name ?? 'GPUError', message: ev.error.message.split('\n')[0] };
  };
  if (typeof d.addEventListener === 'function') d.addEventListener('uncapturederror', onError);
  else d.onuncapturederror = onError;
  guardBuffers(d);
  registered = true;
  tf.registerBackend('webgpu', () => {
    const backend = new mod.WebGPUBackend(d, adapter.info);
    refuseSyncReads(backend);
    return backend;
  });
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
  await tf.ready();
}
