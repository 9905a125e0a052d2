import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../../../src/main/cli/commands/export';
import { createOnnxSession, runOnnx } from '../../../../src/node/export/onnx-run';
import { loadWeightsFile } from '../../../../src/node/train/checkpoint';
import { ModelCardSchema } from '../../../../src/shared/export';
import { buildModel } from '../../../../src/shared/model/build';
import { buildChannelPruned, planChannelPruning, readWeights } from '../../../../src/shared/prune';
import type { RunRecord } from '../../../../src/shared/run/record';
import { maxAbs, trainedRun, tree } from '../../helpers/export';
import { captureIo } from '../../helpers/cli';

let root: string;
let run: { record: RunRecord; runDir: string };
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'export-channel-'));
  run = await trainedRun(root, 'export-channel');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('var-studio export --family channel', () => {
  it('writes the rebuilt smaller network: smaller file, the family and the channel counts in the card, the channel statement', async () => {
    const dense = captureIo();
    expect(await exportCommand.run([run.runDir, '--sparsity', '0', '--format', 'onnx', '--latency-runs', '2'], dense.io)).toBe(0);
    const c = captureIo();
    expect(
      await exportCommand.run([run.runDir, '--sparsity', '0.5', '--family', 'channel', '--format', 'onnx', '--latency-runs', '2'], c.io),
    ).toBe(0);
    const dir = path.join(run.runDir, 'exports', '0.5-channel-onnx-fp32');
    expect(tree(dir)).toEqual(['MODEL_CARD.md', 'model-card.json', 'model.onnx']);
    const denseBytes = fs.statSync(path.join(run.runDir, 'exports', '0-onnx-fp32', 'model.onnx')).size;
    const bytes = fs.statSync(path.join(dir, 'model.onnx')).size;
    expect(bytes).toBeLessThan(0.65 * denseBytes);

    const card = ModelCardSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'model-card.json'), 'utf8')));
    expect(card.sparsity.family).toBe('channel');
    expect(card.sparsity.channel!.paramsRemoved).toBeGreaterThanOrEqual(0.5);
    expect(card.sparsity.kernels).toBe(card.sparsity.channel!.kernelParams.after);
    expect(card.name).toMatch(/@ 50\.0 % channel-pruned/);
    const md = fs.readFileSync(path.join(dir, 'MODEL_CARD.md'), 'utf8');
    expect(md).toContain('Family: channel pruning');
    expect(md).toMatch(/rebuilt smaller/);
    const text = c.out.join('\n');
    expect(text).toMatch(/channel pruning removed [\d.]+ % of the conv weights/);
    expect(text).toContain('Channel pruning removed whole conv channels');
    expect(text).not.toContain('Unstructured sparsity does not make');

    // The file computes what the rebuilt tfjs model computes (built here independently of the export).
    const m = buildModel(run.record.config.model);
    await loadWeightsFile(path.join(run.runDir, 'model', 'weights.bin'), m);
    const w = await readWeights(m);
    const smaller = buildChannelPruned(m, w, planChannelPruning(m, w, { fraction: 0.5 }));
    const [h, wd, ch] = [run.record.config.model.inputSize, run.record.config.model.inputSize, run.record.config.model.inChannels];
    const x = Float32Array.from({ length: 2 * h * wd * ch }, (_, i) => Math.sin(i * 0.11));
    const expected = (await (smaller.predict(tf.tensor4d(x, [2, h, wd, ch])) as tf.Tensor).data()) as Float32Array;
    const session = await createOnnxSession(fs.readFileSync(path.join(dir, 'model.onnx')));
    const got = (await runOnnx(session, x, [2, h, wd, ch])).data;
    await session.release();
    expect(maxAbs(got, expected)).toBeLessThanOrEqual(1e-4);
    m.dispose();
    smaller.dispose();
  });

  it('refuses what does not apply to the channel family', async () => {
    const c = captureIo();
    expect(
      await exportCommand.run([run.runDir, '--sparsity', '0.5', '--family', 'channel', '--keep-first-last', '--format', 'onnx'], c.io),
    ).toBe(1);
    expect(await exportCommand.run([run.runDir, '--sparsity', '0.5', '--criterion', 'l2', '--format', 'onnx'], c.io)).toBe(1);
    expect(await exportCommand.run([run.runDir, '--sparsity', '0.5', '--family', 'blocks', '--format', 'onnx'], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/apply to the unstructured family[\s\S]*applies to --family channel[\s\S]*unknown --family "blocks"/);
    const max = captureIo();
    expect(await exportCommand.run([run.runDir, '--sparsity', '0.99', '--family', 'channel', '--format', 'onnx'], max.io)).toBe(1);
    expect(max.err.join('\n')).toMatch(/at most \d+\.\d %/);
  });
});
