import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../../src/main/cli/index';
import { exportCommand } from '../../../../../src/main/cli/commands/export';
import { ModelCardSchema } from '../../../../../src/shared/export';
import type { RunRecord } from '../../../../../src/shared/run/record';
import { newSweepId, runSweep } from '../../../../../src/node/sweep';
import { SweepConfigSchema } from '../../../../../src/shared/sweep/config';
import { onDisk, trainedRun, tree } from '../../../helpers/export';
import { captureIo } from '../../../helpers/cli';

let root: string;
let run: { record: RunRecord; runDir: string };

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'exportjob-cli-'));
  run = await trainedRun(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('var-studio export', () => {
  it('exports, prints the size report and the Dice of the exported file vs the float32 pruned model', async () => {
    const out = path.join(root, 'edge');
    const c = captureIo();
    expect(
      await exportCommand.run(
        [run.runDir, '--sparsity', '0.9', '--format', 'onnx', '--weights', 'int8', '--out', out, '--latency-runs', '3'],
        c.io,
      ),
    ).toBe(0);
    const text = c.text();
    const disk = onDisk([path.join(out, 'model.onnx')]);
    expect(text).toContain(`onnx int8-weights -> ${out}`);
    expect(text).toMatch(new RegExp(`file bytes\\s+${disk.bytes}\\b`));
    expect(text).toMatch(new RegExp(`gzip bytes\\s+${disk.gzip}\\b`));
    expect(text).toMatch(/dense bytes\s+\d+/);
    expect(text).toMatch(/quantized\s+\d+/);
    expect(text).toMatch(/non-zeros\s+\d+ of \d+/);
    expect(text).toMatch(/latency\s+[\d.]+ ms \(onnxruntime-node CPU, 1 thread, batch 1, median of 3 runs\)/);
    expect(text).toMatch(/peak memory\s+n\/a \(not reported: onnxruntime-node/);
    expect(text).toMatch(
      /verdict\s+speed not called \([\d.]+x from only 3 runs\), file [\d.]+x smaller \(gzip [\d.]+x smaller\), .*\(vs the dense float32 model in onnxruntime-node\)/,
    );
    expect(text).toMatch(/per-case Dice\s+[\d.]+ exported \(onnxruntime-node\) vs float32 pruned [\d.]+: delta [+-][\d.]+/);
    expect(text).toContain('Unstructured sparsity does not make dense kernels faster');
    expect(tree(out)).toEqual(['MODEL_CARD.md', 'model-card.json', 'model.onnx']);
    expect(ModelCardSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8'))).export?.weights).toBe(
      'int8-weights',
    );
  });

  it("puts the run's sweep levels into the model card next to its own measurements", async () => {
    const sweepId = newSweepId();
    await runSweep({
      runsRoot: root,
      sweepId,
      runIds: [run.record.id],
      config: SweepConfigSchema.parse({ levels: [0.5, 0.9], scorer: 'tfjs' }),
      backend: 'cpu',
    });
    const out = path.join(root, 'with-sweep');
    const c = captureIo();
    expect(
      await exportCommand.run([run.runDir, '--sparsity', '0.9', '--format', 'tfjs', '--out', out, '--latency-runs', '1', '--json'], c.io),
    ).toBe(0);
    const card = ModelCardSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8')));
    const sweep = card.metrics.levels.filter((l) => l.source === 'sweep');
    expect(sweep.map((l) => l.sparsity)).toEqual([0.5, 0.9]);
    expect(sweep[0].model).toContain(sweepId);
    expect(sweep.every((l) => typeof l.dice === 'number')).toBe(true);
    expect(fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8')).toContain(sweepId);
  });

  it('refuses to overwrite without --force, with a hint, and replaces with --force', async () => {
    const out = path.join(root, 'twice');
    const args = [run.runDir, '--sparsity', '0.5', '--format', 'tfjs', '--out', out, '--latency-runs', '1'];
    expect(await runCli(['export', ...args], captureIo().io)).toBe(0);
    const before = fs.readFileSync(path.join(out, 'model.json'), 'utf8');
    const c = captureIo();
    expect(await runCli(['export', ...args], c.io)).toBe(1);
    expect(c.errors()).toMatch(/already exist/);
    expect(c.errors()).toContain(path.join(out, 'model.json'));
    expect(c.errors()).toContain('--force');
    expect(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).toBe(before);
    const f = captureIo();
    expect(await runCli(['export', ...args, '--force', '--json'], f.io)).toBe(0);
    expect(JSON.parse(f.text()).artifacts[0].dir).toBe(out);
  });

  it('exits non-zero with a clear message on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [[], /expected one RUN_DIR/],
      [[run.runDir, '--format', 'onnx'], /--sparsity is required/],
      [[run.runDir, '--sparsity', '1.5', '--format', 'onnx'], /invalid --sparsity "1\.5"/],
      [[run.runDir, '--sparsity', 'abc', '--format', 'onnx'], /invalid --sparsity/],
      [[run.runDir, '--sparsity', '0.9'], /--format is required/],
      [[run.runDir, '--sparsity', '0.9', '--format', 'coreml'], /unknown --format "coreml"[\s\S]*onnx, tfjs, tflite/],
      [[run.runDir, '--sparsity', '0.9', '--format', 'onnx', '--weights', 'int4'], /unknown --weights "int4"/],
      [[run.runDir, '--sparsity', '0.9', '--format', 'onnx', '--scope', 'random'], /unknown --scope/],
      [[run.runDir, '--sparsity', '0.9', '--format', 'onnx', '--bogus'], /Unknown option '--bogus'/],
      [[root, '--sparsity', '0.9', '--format', 'onnx'], /not a run \(no run\.json\)/],
      [[run.runDir, '--sparsity', '0.9', '--format', 'onnx', '--out', '/proc/x/out'], /system folders/],
      [
        [run.runDir, '--sparsity', '0.9', '--format', 'onnx', '--out', path.join(run.runDir, 'run.json', 'out')],
        /run\.json: this is a file/,
      ],
    ];
    for (const [args, msg] of cases) {
      const c = captureIo();
      expect(await runCli(['export', ...args], c.io), args.join(' ')).toBe(1);
      expect(c.errors(), args.join(' ')).toMatch(msg);
      // One message and a hint, never a stack trace.
      expect(c.errors(), args.join(' ')).not.toMatch(/Unexpected error|\n\s+at /);
    }
    const h = captureIo();
    expect(await runCli(['export', '--help'], h.io)).toBe(0);
    expect(h.text()).toContain('--keep-first-last');
  });
});
