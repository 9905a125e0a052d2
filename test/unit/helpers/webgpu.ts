/**
 * The webgpu rung in tests: SwiftShader (the CPU Vulkan that Debian's chromium package ships)
 * stands in for a GPU. Under CI the adapter is required, so a machine where it cannot be had
 * fails the webgpu tests instead of skipping them.
 */
import { existsSync } from 'node:fs';
import { probeBackend } from '../../../src/node/compute/backend';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** CI=true / CI=1 (GitHub, .ci/run): the rung must be there. */
export const CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** Points the Vulkan loader at SwiftShader unless the environment chose an ICD already. */
export function useSwiftShader(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/**
 * Whether webgpu can run here, and why not. Call at module level: `describe.skipIf(!gpu.ok && !CI)`
 * skips only outside CI; in CI the tests run and `expectWebgpu` fails them with the reason.
 */
export async function webgpuAvailability(): Promise<{ ok: boolean; reason: string }> {
  useSwiftShader();
  const info = await probeBackend('webgpu', { log: () => {} });
  if (info.name === 'webgpu') return { ok: true, reason: '' };
  const why = info.fallbacks.find((f) => f.name === 'webgpu')?.reason ?? 'unknown';
  return { ok: false, reason: `webgpu is not available: ${why} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})` };
}
