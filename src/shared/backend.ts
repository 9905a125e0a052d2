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
