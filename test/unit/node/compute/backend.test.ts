/**
 * The backend ladder on a machine without the native TensorFlow libraries (CI, this dev box):
 * both native rungs are skipped with a reason, wasm is chosen, and preferences are honoured.
 */
import { hostname } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_ENV, initBackend, probeBackend, resolvePreference } from '../../../../src/node/compute/backend';
import { LADDER_ENV } from '../../../../src/node/compute/ladderDecision';
import { StudioError } from '../../../../src/shared/errors';
import { CI, useSwiftShader, webgpuAvailability } from '../../helpers/webgpu';

// The software adapter is present (as in CI): the automatic ladder must still pass it by.
useSwiftShader();
const gpu = await webgpuAvailability();

const quiet = { log: () => {} };

describe('backend ladder', () => {
  afterEach(() => {
    delete process.env[BACKEND_ENV];
    delete process.env[LADDER_ENV];
  });

  it('probe falls past the native rungs with a reason for each, to wasm', async () => {
    const lines: string[] = [];
    const info = await probeBackend('auto', { log: (l) => lines.push(l) });
    const native = info.fallbacks.map((f) => f.name);
    // A machine with tfjs-node installed stops earlier; then the ladder is still ordered.
    if (info.name === 'wasm') {
      expect(native).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
      for (const f of info.fallbacks.filter((f) => f.name !== 'webgpu')) expect(f.reason).toMatch(/tfjs-node/);
      expect(lines).toHaveLength(3);
    }
    expect(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm']).toContain(info.name);
  });

  it.skipIf(!gpu.ok && !CI)('auto passes a software WebGPU adapter by; asking for webgpu takes it', async () => {
    if (!gpu.ok) throw new Error(gpu.reason);
    const auto = await probeBackend('auto', quiet);
    const webgpu = auto.fallbacks.find((f) => f.name === 'webgpu');
    expect(webgpu?.reason).toMatch(/software one \(SwiftShader driver [\d.]+\); it is used only when asked for/);
    expect(auto.name).not.toBe('webgpu');
    const asked = await probeBackend('webgpu', quiet);
    expect(asked).toMatchObject({ name: 'webgpu', fallbacks: [] });
    expect(asked.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', software: true });
    expect(asked.detail).toMatch(/adapter: google swiftshader, SwiftShader driver [\d.]+ \(software\)/);
  });

  it("a child starts at its parent's rung: nothing above it is probed or logged again", async () => {
    const own = await probeBackend('auto', quiet);
    // What child processes and threads inherit.
    expect(JSON.parse(process.env[LADDER_ENV]!)).toEqual({
      host: hostname(),
      preference: 'auto',
      name: own.name,
      fallbacks: own.fallbacks,
    });
    // A parent whose wasm did not load chose cpu: the child takes cpu although wasm loads here,
    // so it cannot have run the ladder itself.
    const parent = {
      host: hostname(),
      preference: 'auto',
      name: 'cpu',
      fallbacks: [{ name: 'wasm', reason: 'wasm did not load (parent)' }],
    };
    process.env[LADDER_ENV] = JSON.stringify(parent);
    const lines: string[] = [];
    expect(await probeBackend('auto', { log: (l) => lines.push(l) })).toMatchObject({ name: 'cpu', fallbacks: parent.fallbacks });
    expect((await initBackend('auto', { log: (l) => lines.push(l) })).name).toBe('cpu');
    expect(lines).toEqual([]);
    // Another preference, another host or an unreadable value: the ladder runs.
    process.env[LADDER_ENV] = JSON.stringify(parent);
    expect((await probeBackend('wasm', quiet)).name).toBe('wasm');
    process.env[LADDER_ENV] = JSON.stringify({ ...parent, host: `not-${hostname()}` });
    expect((await probeBackend('auto', quiet)).name).not.toBe('cpu');
    process.env[LADDER_ENV] = '{not json';
    expect((await probeBackend('auto', quiet)).name).not.toBe('cpu');
  });

  it('an explicit preference starts the ladder at that rung', async () => {
    expect((await probeBackend('cpu', quiet)).name).toBe('cpu');
    expect((await probeBackend('wasm', quiet)).fallbacks).toEqual([]);
  });

  it('reads VAR_STUDIO_BACKEND and rejects unknown names with a StudioError', () => {
    process.env[BACKEND_ENV] = 'CPU';
    expect(resolvePreference()).toBe('cpu');
    process.env[BACKEND_ENV] = 'webgpu';
    expect(resolvePreference()).toBe('webgpu');
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
