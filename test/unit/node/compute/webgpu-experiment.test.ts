/**
 * The `tiny` experiment preset on the webgpu rung (SwiftShader in CI): training in the training
 * host's worker thread, the sweep, results.json and the report, all labelled with the adapter.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentCommand } from '../../../../src/main/cli/commands/experiment';
import { ResultsSchema } from '../../../../src/shared/experiment/results';
import { CI, webgpuAvailability } from '../../helpers/webgpu';

const gpu = await webgpuAvailability();
const dir = mkdtempSync(join(tmpdir(), 'vs-exp-webgpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!gpu.ok && !CI)('var-studio experiment --preset tiny --backend webgpu', () => {
  it('completes on the software adapter and says so everywhere the backend is shown', { timeout: 600_000 }, async () => {
    if (!gpu.ok) throw new Error(gpu.reason);
    const out = join(dir, 'out');
    const lines: string[] = [];
    const err: string[] = [];
    const code = await experimentCommand.run(['--preset', 'tiny', '--backend', 'webgpu', '--out', out], {
      out: (l) => lines.push(l),
      err: (l) => err.push(l),
      isTTY: false,
      signal: new AbortController().signal,
    });
    expect(code, err.join('\n')).toBe(0);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
    expect(results.status).toBe('completed');
    expect(results.backend.name).toBe('webgpu');
    expect(results.backend.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', software: true });
    expect(results.backend.detail).toMatch(/adapter: google swiftshader, SwiftShader driver/);
    expect(results.entries.length).toBeGreaterThan(0);
    for (const e of results.entries) expect(e.backend).toBe('webgpu (SwiftShader, software)');
    expect(results.stages.find((s) => s.stage === 'train')?.backend).toBe('webgpu (SwiftShader, software)');
    for (const r of results.runs) expect(r.epochs.every((e) => Number.isFinite(e.trainLoss))).toBe(true);
    expect(lines.join('\n')).toMatch(/on webgpu \(SwiftShader, software\)\.\n/);
    expect(lines.join('\n')).toMatch(/Done in .* on webgpu \(SwiftShader, software\), /);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('webgpu (SwiftShader, software)');
  });
});
