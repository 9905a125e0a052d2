/**
 * What a compute backend is called where users see it. The webgpu rung runs on whatever GPU
 * adapter Dawn finds, so its name alone does not say whether a real GPU or a CPU emulation
 * (SwiftShader) did the work: the label carries the adapter.
 */
import { z } from 'zod';

/** The WebGPU adapter a webgpu run used, as the adapter reports itself (GPUAdapterInfo). */
export const GpuAdapterSchema = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  /** A CPU implementation (SwiftShader, or an adapter that reports itself as a fallback). */
  software: z.boolean(),
});
export type GpuAdapter = z.infer<typeof GpuAdapterSchema>;

/** THE backend names, in the ladder's order (src/node/compute/backend.ts tries them best first). */
export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const BackendNameSchema = z.enum(BACKEND_NAMES);
/** What a config or the user may ask for: a backend, or `auto` (the first rung that works). */
export const BackendPreferenceSchema = z.enum(['auto', ...BACKEND_NAMES]);
export type BackendPreference = z.infer<typeof BackendPreferenceSchema>;

/** Backends that run on a GPU when there is one (a cluster cell asks for a GPU for them). */
export const GPU_BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'webgpu'];
/** Backends that use every core (or the GPU) for one job, so jobs do not run side by side on them. */
export const WHOLE_MACHINE_BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow'];

/** The backend a run or the studio used: in the API (BackendInfo) and in every run record. */
export const BackendInfoSchema = z.object({
  name: BackendNameSchema,
  /** Human-readable: package, version, build flavour. */
  detail: z.string(),
  /** Compute threads the backend uses in its process. */
  threads: z.number().int().positive().optional(),
  /** Rungs above the chosen one that were tried and skipped, best first. */
  fallbacks: z.array(z.object({ name: z.string(), reason: z.string() })),
  /** webgpu only: the GPU adapter. */
  adapter: GpuAdapterSchema.optional(),
});

/** "SwiftShader" for Google's CPU Vulkan, else the adapter's own words. */
export function adapterName(a: GpuAdapter): string {
  if (/swiftshader/i.test(`${a.architecture} ${a.description}`)) return 'SwiftShader';
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
}

/** One line for the adapter: "google swiftshader, SwiftShader driver 5.0.0 (software)". */
export function describeAdapter(a: GpuAdapter): string {
  const who = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown vendor';
  return `${who}, ${a.description || a.device || 'no description'}${a.software ? ' (software)' : ''}`;
}

/**
 * The backend as users see it: the name, and for webgpu the adapter, e.g.
 * "webgpu (SwiftShader, software)" or "webgpu (NVIDIA GeForce RTX 3060)".
 */
export function backendLabel(b: { name: string; adapter?: GpuAdapter }): string {
  if (!b.adapter) return b.name;
  return `${b.name} (${adapterName(b.adapter)}${b.adapter.software ? ', software' : ''})`;
}
