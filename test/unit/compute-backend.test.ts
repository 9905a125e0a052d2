/**
 * The backend ladder on a machine without the native TensorFlow libraries (CI, this dev box):
 * both native rungs are skipped with a reason, wasm is chosen, and preferences are honoured.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_ENV, initBackend, probeBackend, resolvePreference } from '../../src/node/compute/backend';
import { StudioError } from '../../src/shared/errors';

const quiet = { log: () => {} };

describe('backend ladder', () => {
  afterEach(() => {
    delete process.env[BACKEND_ENV];
  });

  it('probe falls past the native rungs with a reason for each, to wasm', async () => {
    const lines: string[] = [];
    const info = await probeBackend('auto', { log: (l) => lines.push(l) });
    const native = info.fallbacks.map((f) => f.name);
    // A machine with tfjs-node installed stops earlier; then the ladder is still ordered.
    if (info.name === 'wasm') {
      expect(native).toEqual(['tensorflow-gpu', 'tensorflow']);
      for (const f of info.fallbacks) expect(f.reason).toMatch(/tfjs-node/);
      expect(lines).toHaveLength(2);
    }
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(info.name);
  });

  it('an explicit preference starts the ladder at that rung', async () => {
    expect((await probeBackend('cpu', quiet)).name).toBe('cpu');
    expect((await probeBackend('wasm', quiet)).fallbacks).toEqual([]);
  });

  it('reads VAR_STUDIO_BACKEND and rejects unknown names with a StudioError', () => {
    process.env[BACKEND_ENV] = 'CPU';
    expect(resolvePreference()).toBe('cpu');
    process.env[BACKEND_ENV] = 'metal';
    expect(() => resolvePreference()).toThrow(StudioError);
    expect(resolvePreference('auto')).toBe('auto');
  });

  it('initBackend activates the chosen backend and the wasm training kernels', async () => {
    const cpu = await initBackend('cpu', quiet);
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend('wasm', quiet);
    expect(wasm).toMatchObject({ name: 'wasm', threads: 1 });
    expect(wasm.detail).toMatch(/tfjs-backend-wasm 4\.22/);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});
