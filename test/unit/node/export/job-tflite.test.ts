import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../../../src/main/cli/commands/export';
import { compileTflite, runTfliteBatch } from '../../../../src/node/export/litert';
import { readOperatorCounts } from '../../../../src/node/export/tflite-schema';
import { loadRunSamples } from '../../../../src/node/train/data';
import { ModelCardSchema, type ExportResult } from '../../../../src/shared/export';
import { scoreProbabilities } from '../../../../src/shared/metrics';
import type { RunRecord } from '../../../../src/shared/run/record';
import { maxAbs, onDisk, prunedReference, trainedRun } from '../../helpers/export';
import { captureIo } from '../../helpers/cli';

let root: string;
let run: { record: RunRecord; runDir: string };
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'exportjob-tflite-'));
  run = await trainedRun(root, 'export-tflite');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('var-studio export --format tflite', () => {
  it('writes model.tflite + card per precision, runs each back in LiteRT.js, scores it with the scoring module and times it against the dense .tflite', async () => {
    const c = captureIo();
    expect(
      await exportCommand.run(
        [
          run.runDir,
          '--sparsity',
          '0.9',
          '--format',
          'tflite',
          '--weights',
          'fp32,fp16,int8-weights,int8-full',
          '--latency-runs',
          '3',
          '--json',
        ],
        c.io,
      ),
    ).toBe(0);
    const result = JSON.parse(c.out.join('\n')) as ExportResult;
    expect(result.artifacts.map((a) => `${a.format}-${a.weights}`)).toEqual([
      'tflite-fp32',
      'tflite-fp16',
      'tflite-int8-weights',
      'tflite-int8-full',
    ]);

    const ref = await prunedReference(run.record, run.runDir, 0.9);
    const { val } = await loadRunSamples(run.record.config);
    const s = run.record.config.model.inputSize;
    const x = new Float32Array(val.length * s * s * 3);
    val.forEach((v, i) => x.set(v.image, i * s * s * 3));
    const p0 = tf.tidy(() => (ref.predict(tf.tensor4d(x, [val.length, s, s, 3])) as tf.Tensor).dataSync() as Float32Array);
    ref.dispose();
    const size = (w: string) => result.artifacts.find((a) => a.weights === w)!.size.fileBytes;
    for (const a of result.artifacts) {
      expect(fs.readdirSync(a.dir).sort()).toEqual(['MODEL_CARD.md', 'model-card.json', 'model.tflite']);
      const bytes = new Uint8Array(fs.readFileSync(a.files[0]));
      // The file on disk, run independently of the job, against the float32 pruned tfjs model.
      const m = await compileTflite(bytes);
      const p1 = await runTfliteBatch(m, x, [val.length, s, s, 3]);
      m.delete();
      const d = maxAbs(p0, p1);
      console.log(
        `tflite ${a.weights}: max |dp| ${d.toExponential(2)}, per-case Dice ${a.check.score.caseDice.mean} vs ${a.check.reference.caseDice.mean}, ${a.size.latency!.medianMs.toFixed(3)} ms, ${a.size.fileBytes} B`,
      );
      expect(Math.abs(a.check.maxAbsProbDiff - d)).toBeLessThanOrEqual(1e-6);
      if (a.weights === 'fp32') expect(d).toBeLessThanOrEqual(1e-4);
      expect(d).toBeLessThanOrEqual(a.weights === 'fp16' ? 5e-3 : 5e-2);
      // The Dice of the exported model is the scoring module's, on its own probabilities.
      expect(a.check.score).toEqual(scoreProbabilities(p1, val, s).summary);
      expect(a.check.deltaDice).toBeCloseTo(a.check.score.caseDice.mean! - a.check.reference.caseDice.mean!, 12);
      expect(a.check.runtime).toBe('litert.js');
      expect(a.check.ops).toEqual(readOperatorCounts(bytes));
      expect(Object.keys(a.check.ops!)).toEqual(
        expect.arrayContaining(['CONV_2D', 'ADD', 'CONCATENATION', 'LOGISTIC', 'RESIZE_NEAREST_NEIGHBOR']),
      );
      // weight-only: one DEQUANTIZE per kernel; int8-full: one QUANTIZE at the input, one DEQUANTIZE at the output
      const dq = { fp32: 0, fp16: a.check.ops!.CONV_2D, 'int8-weights': a.check.ops!.CONV_2D, 'int8-full': 1 }[a.weights as string];
      expect(a.check.ops!.DEQUANTIZE ?? 0).toBe(dq);
      expect(a.check.ops!.QUANTIZE ?? 0).toBe(a.weights === 'int8-full' ? 1 : 0);
      expect(a.size.fileBytes).toBe(onDisk(a.files).bytes);
      expect(a.size.latency).toMatchObject({ runtime: 'litert.js', inputShape: [1, s, s, 3], runs: 3 });
      expect(a.size.verdict!.baseline.runtime).toBe('litert.js');
      const card = ModelCardSchema.parse(JSON.parse(fs.readFileSync(a.card.json, 'utf8')));
      expect(card.export!.format).toBe('tflite');
      expect(card.model.input.shape).toEqual([1, s, s, 3]);
      if (a.weights === 'int8-full') {
        expect(card.export!.calibration).toMatchObject({ method: 'minmax', slices: Math.min(32, card.data.counts.trainSlices!) });
        expect(card.export!.quantization).toMatch(/full-integer int8/);
        expect(card.limitations.join(' ')).toMatch(/int8-full: activations are rounded to 8 bits/);
      }
      expect(card.sparsity.family).toBe('unstructured');
      const md = fs.readFileSync(a.card.markdown, 'utf8');
      expect(md).toContain('TensorFlow Lite (.tflite flatbuffer)');
      expect(md).toMatch(/Operator set \(TFLite builtin operators in the file, as LiteRT\.js runs them\): .*CONV_2D x\d+/);
      expect(md).toContain('Exported file run back on litert.js');
      expect(md).toContain(a.size.verdict!.line);
      expect(md).toMatch(/ms \(LiteRT\.js wasm \(XNNPACK\), 1 thread, batch 1/);
    }
    expect(size('fp16')).toBeLessThan(0.6 * size('fp32'));
    expect(size('int8-weights')).toBeLessThan(0.7 * size('fp16'));
    // int8-full adds INT32 biases and activation parameters: int8-weights stays the smallest file
    expect(size('int8-full')).toBeLessThan(0.4 * size('fp32')); // 0.36 on this tiny model, where per-tensor overhead weighs most
    expect(size('int8-weights')).toBeLessThanOrEqual(size('int8-full'));
  });

  it('exports the channel family as a smaller .tflite, and refuses int8-qdq as TFLite', async () => {
    const dense = captureIo();
    expect(
      await exportCommand.run(
        [run.runDir, '--sparsity', '0', '--format', 'tflite', '--out', path.join(root, 'dense'), '--latency-runs', '2'],
        dense.io,
      ),
    ).toBe(0);
    const c = captureIo();
    expect(
      await exportCommand.run(
        [
          run.runDir,
          '--sparsity',
          '0.5',
          '--family',
          'channel',
          '--format',
          'tflite',
          '--weights',
          'fp32,int8-full',
          '--latency-runs',
          '2',
        ],
        c.io,
      ),
    ).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/operator set {3}.*CONV_2D x\d+/);
    expect(text).toContain('Channel pruning removed whole conv channels');
    const file = path.join(run.runDir, 'exports', '0.5-channel-tflite-fp32', 'model.tflite');
    expect(fs.statSync(file).size).toBeLessThan(0.75 * fs.statSync(path.join(root, 'dense', 'model.tflite')).size);
    // the rebuilt, smaller network quantizes to full-integer int8 like the dense one
    const int8 = path.join(run.runDir, 'exports', '0.5-channel-tflite-int8-full', 'model.tflite');
    expect(readOperatorCounts(new Uint8Array(fs.readFileSync(int8)))).toMatchObject({ QUANTIZE: 1, DEQUANTIZE: 1 });
    const q = captureIo();
    expect(await exportCommand.run([run.runDir, '--sparsity', '0.5', '--format', 'tflite', '--weights', 'int8-qdq'], q.io)).toBe(1);
    expect(q.err.join('\n')).toMatch(/tflite int8-qdq cannot be written[\s\S]*int8-full TFLite only[\s\S]*int8-weights for any format/);
  });
});
