import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tfjsDir } from '../../../../src/node/export/tfjs';
import { SPARSITY_STATEMENT } from '../../../../src/node/export/size';
import { listExports } from '../../../../src/node/export/history';
import { runExportJob } from '../../../../src/node/export/job';
import { previewExport } from '../../../../src/node/export/preview';
import { loadRunSamples } from '../../../../src/node/train/data';
import { DISCLAIMER, ModelCardSchema, renderModelCardMarkdown, type ExportResult } from '../../../../src/shared/export';
import type { RunRecord } from '../../../../src/shared/run/record';
import { maxAbs, onDisk, prunedReference, trainedRun, tree } from '../../helpers/export';

let root: string;
let run: { record: RunRecord; runDir: string };
let result: ExportResult;
let dense: ExportResult;
const latency = { runs: 5, warmup: 1 };

// Stated tolerances on output probabilities against the float32 pruned model:
// fp32 bit-identical weights (1e-5: ORT fuses ops differently), fp16 2e-3, 8-bit 3e-2.
const TOL = { fp32: 1e-5, fp16: 2e-3, 'int8-weights': 3e-2 } as const;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'exportjob-formats-'));
  run = await trainedRun(root);
  result = await runExportJob(
    {
      runDir: run.runDir,
      sparsity: 0.9,
      scope: 'global',
      keepFirstLast: false,
      reestimateBatchNorm: false,
      formats: ['onnx', 'tfjs'],
      weights: ['fp32', 'fp16', 'int8-weights'],
      overwrite: false,
    },
    { latency },
  );
  dense = await runExportJob(
    {
      runDir: run.runDir,
      sparsity: 0,
      scope: 'global',
      keepFirstLast: false,
      reestimateBatchNorm: false,
      formats: ['onnx'],
      weights: ['fp32'],
      outDir: path.join(root, 'dense'),
      overwrite: false,
    },
    { latency },
  );
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('export job: every format x weight precision', () => {
  it('writes one folder per export under <run>/exports with exactly the model files and the card', () => {
    expect(result.artifacts.map((a) => `${a.format}-${a.weights}`)).toEqual([
      'onnx-fp32',
      'onnx-fp16',
      'onnx-int8-weights',
      'tfjs-fp32',
      'tfjs-fp16',
      'tfjs-int8-weights',
    ]);
    for (const a of result.artifacts) {
      expect(a.dir).toBe(path.join(run.runDir, 'exports', `0.9-${a.format}-${a.weights}`));
      const names = fs.readdirSync(a.dir).sort();
      const model = a.format === 'onnx' ? ['model.onnx'] : ['model.json', ...names.filter((n) => /^group1-shard\d+of\d+\.bin$/.test(n))];
      expect(names).toEqual([...model, 'MODEL_CARD.md', 'model-card.json'].sort());
      expect(a.files.map((f) => path.basename(f)).sort()).toEqual(model.sort());
    }
    expect(result.prune.achieved).toBeCloseTo(0.9, 3);
  });

  it('loads each file back and predicts like the float32 pruned model within the stated tolerances', async () => {
    const ref = await prunedReference(run.record, run.runDir, 0.9);
    const { val } = await loadRunSamples(run.record.config);
    const s = run.record.config.model.inputSize;
    const x = new Float32Array(val.length * s * s * 3);
    val.forEach((v, i) => x.set(v.image, i * s * s * 3));
    const input = tf.tensor4d(x, [val.length, s, s, 3]);
    const p0 = (ref.predict(input) as tf.Tensor).dataSync();
    for (const a of result.artifacts) {
      let p1: Float32Array;
      if (a.format === 'onnx') {
        const session = await ort.InferenceSession.create(fs.readFileSync(a.files[0]));
        const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [val.length, s, s, 3]) });
        p1 = out[session.outputNames[0]].data as Float32Array;
        await session.release();
      } else {
        const m = await tf.loadLayersModel(tfjsDir(a.dir));
        p1 = (m.predict(input) as tf.Tensor).dataSync() as Float32Array;
        m.dispose();
      }
      const d = maxAbs(p0, p1);
      console.log(
        `${a.format} ${a.weights}: max |dp| ${d.toExponential(2)}, job says ${a.check.maxAbsProbDiff.toExponential(2)}, per-case Dice ${a.check.score.caseDice.mean} vs ${a.check.reference.caseDice.mean}`,
      );
      expect(d).toBeLessThanOrEqual(TOL[a.weights as keyof typeof TOL]);
      // The job measured the same thing on the same images.
      expect(Math.abs(a.check.maxAbsProbDiff - d)).toBeLessThanOrEqual(1e-5);
      expect(a.check.runtime).toBe(a.format === 'onnx' ? 'onnxruntime-node' : 'tfjs');
      expect(a.check.reference).toEqual(result.pruned);
      expect(a.check.deltaDice).toBeCloseTo(a.check.score.caseDice.mean! - a.check.reference.caseDice.mean!, 12);
      expect(a.check.score.slices).toBe(val.length);
      if (a.weights === 'fp32') expect(a.check.maskDisagreement).toBe(0);
    }
    input.dispose();
    ref.dispose();
  });

  it('size report numbers match the files on disk; sparsity pays off in gzip, not in file size', () => {
    for (const a of [...result.artifacts, ...dense.artifacts]) {
      const s = a.size;
      const disk = onDisk(a.files);
      expect(s.fileBytes).toBe(disk.bytes);
      expect(s.gzipBytes).toBe(disk.gzip);
      expect(s.files.map((f) => path.join(a.dir, f.name))).toEqual(a.files);
      expect(s.denseBytes).toBe(4 * s.parameters);
      expect(s.statement).toBe(SPARSITY_STATEMENT);
      expect(s.latency!.medianMs).toBeGreaterThan(0);
      expect(s.latency!.inputShape).toEqual([1, 16, 16, 3]);
      const kernelBytes = { fp32: 4, fp16: 2, 'int8-weights': 1 }[a.weights as 'fp32'] * s.kernels.total;
      if (a.format === 'tfjs') {
        expect(s.quantizedBytes).toBe(onDisk(a.files.filter((f) => f.endsWith('.bin'))).bytes);
        expect(s.quantizedBytes).toBe(kernelBytes + 4 * (s.parameters - s.kernels.total));
      } else {
        // + per-channel int8 scales; the rest float32
        expect(s.quantizedBytes).toBeGreaterThanOrEqual(kernelBytes + 4 * (s.parameters - s.kernels.total));
        expect(s.quantizedBytes).toBeLessThan(s.fileBytes);
      }
    }
    const byW = (w: string) => result.artifacts.find((a) => a.format === 'onnx' && a.weights === w)!.size;
    expect(byW('fp16').fileBytes).toBeLessThan(0.62 * byW('fp32').fileBytes);
    expect(byW('int8-weights').fileBytes).toBeLessThan(byW('fp16').fileBytes);
    const d = dense.artifacts[0].size;
    const sp = byW('fp32');
    console.log(
      `onnx fp32 gzip ratio: dense ${(d.fileBytes / d.gzipBytes).toFixed(2)}x, 90 % ${(sp.fileBytes / sp.gzipBytes).toFixed(2)}x; latency ${d.latency!.medianMs.toFixed(3)} / ${sp.latency!.medianMs.toFixed(3)} ms`,
    );
    expect(Math.abs(sp.fileBytes - d.fileBytes)).toBeLessThan(256);
    expect(sp.gzipBytes).toBeLessThan(0.5 * d.gzipBytes);
    expect(sp.nonZero).toBeLessThan(d.nonZero);
    expect(dense.prune.achieved).toBe(0);
  });

  it('times every artifact in its own runtime and gives each a verdict computed from the measurements', () => {
    for (const a of [...result.artifacts, ...dense.artifacts]) {
      const s = a.size;
      const runtime = a.format === 'onnx' ? 'onnxruntime-node' : 'tfjs';
      expect(s.latency!.runtime).toBe(runtime);
      expect(s.latency!.runs).toBe(latency.runs);
      // tfjs reports its tensor memory (at least the float32 weights it holds); onnxruntime-node reports none
      if (a.format === 'tfjs') expect(s.latency!.peakBytes).toBeGreaterThanOrEqual(4 * s.parameters);
      else expect(s.latency!.peakBytes).toBeNull();
      const v = s.verdict!;
      expect(v.baseline.runtime).toBe(runtime);
      expect(v.baseline.dice).toBe((a === dense.artifacts[0] ? dense : result).dense.caseDice.mean);
      expect(v.speedup).toBeCloseTo(v.baseline.latencyMs / s.latency!.medianMs, 10);
      expect(v.fileRatio).toBeCloseTo(v.baseline.fileBytes / s.fileBytes, 10);
      expect(v.gzipRatio).toBeCloseTo(v.baseline.gzipBytes / s.gzipBytes, 10);
      const dice = a.check.score.caseDice.mean;
      expect(v.deltaDice).toBe(dice === null || v.baseline.dice === null ? null : dice - v.baseline.dice);
      expect(v.line).toContain(`(vs the dense float32 model in ${runtime})`);
      expect(a.card.text).toContain(`**Verdict:** ${v.line}.`);
    }
    // the dense float32 ONNX file is the baseline's twin: the same bytes but the export's metadata
    const d = dense.artifacts[0].size;
    expect(Math.abs(d.verdict!.baseline.fileBytes - d.fileBytes)).toBeLessThan(512);
    expect(d.verdict!.line).toMatch(/file same size \(gzip same size\)/);
    for (const a of result.artifacts) console.log(`${a.format} ${a.weights}: ${a.size.verdict!.line}`);
  });

  it('writes a model card that validates and carries data, method, sparsity, metrics, use, limits and the disclaimer', () => {
    for (const a of result.artifacts) {
      const raw = JSON.parse(fs.readFileSync(a.card.json, 'utf8'));
      const card = ModelCardSchema.parse(raw);
      const cfg = run.record.config;
      expect(card.data.source).toMatch(/phantoms/);
      expect(card.data.split).toEqual({ train: 0.5, val: 0.25, test: 0.25, by: 'patient', seed: cfg.dataSeed });
      expect(card.data.counts).toEqual({ trainSlices: 16, valSlices: 8, evaluatedSlices: 8, evaluatedCases: 2 });
      expect(card.method).toMatchObject({
        optimizer: 'sgd',
        varLambda: 1e-4,
        var: true,
        epochs: 1,
        epochsCompleted: 1,
        backend: { name: 'cpu' },
      });
      expect(card.sparsity).toMatchObject({ requested: 0.9, scope: 'global', keepFirstLast: false });
      expect(card.sparsity.kernelsNonZero).toBe(a.size.kernels.nonZero);
      expect(card.metrics.levels.map((l) => l.model)).toEqual([
        'dense, float32 (tfjs)',
        'pruned, float32 (tfjs)',
        `exported ${a.format} ${a.weights} (${a.check.runtime})`,
      ]);
      expect(card.metrics.levels[0].dice).toBe(result.dense.caseDice.mean);
      expect(card.metrics.exported).toEqual(a.check);
      expect(card.size).toEqual(a.size);
      expect(card.export).toMatchObject({ format: a.format, weights: a.weights });
      expect(card.intendedUse.length).toBeGreaterThan(40);
      expect(card.limitations.some((l) => /synthetic phantoms/.test(l))).toBe(true);
      expect(card.disclaimer).toBe(DISCLAIMER);
      expect(DISCLAIMER).toBe('not for diagnostic use');
      const md = fs.readFileSync(a.card.markdown, 'utf8');
      expect(md).toContain('not for diagnostic use');
      expect(md).toContain(run.record.id);
      expect(md).toContain('## Limitations');
      expect(md).toContain(SPARSITY_STATEMENT);
      expect(md).toMatch(/\| 90\.0 % \| pruned, float32 \(tfjs\) \|/);
    }
    expect(() =>
      ModelCardSchema.parse({ ...JSON.parse(fs.readFileSync(result.artifacts[0].card.json, 'utf8')), disclaimer: 'for research' }),
    ).toThrow();
    // SGD has no ascent; a SAM+VAR card names where VAR entered (docs/method.md).
    const sgdCard = ModelCardSchema.parse(JSON.parse(fs.readFileSync(result.artifacts[0].card.json, 'utf8')));
    expect(sgdCard.method.ascent).toBeUndefined();
    const samCard = { ...sgdCard, method: { ...sgdCard.method, optimizer: 'sam', rho: 0.05, ascent: 'data' as const } };
    expect(renderModelCardMarkdown(ModelCardSchema.parse(samCard))).toContain('rho 0.05, ascent on the data loss only');
  });

  it('lists previous exports of the run, and previews without writing', async () => {
    const list = await listExports(run.runDir);
    expect(
      list
        .filter((e) => e.present)
        .map((e) => `${e.sparsity}-${e.format}-${e.weights}`)
        .sort(),
    ).toEqual(['0-onnx-fp32', ...['onnx', 'tfjs'].flatMap((f) => ['fp16', 'fp32', 'int8-weights'].map((w) => `0.9-${f}-${w}`))].sort());
    const before = tree(root);
    const p = await previewExport(
      {
        runDir: run.runDir,
        sparsity: 0.9,
        scope: 'global',
        keepFirstLast: false,
        reestimateBatchNorm: false,
        formats: ['onnx'],
        weights: ['int8-weights'],
      },
      { latency: { runs: 2, warmup: 0 } },
    );
    expect(tree(root)).toEqual(before);
    const real = result.artifacts.find((a) => a.format === 'onnx' && a.weights === 'int8-weights')!;
    expect(p.artifacts[0].size.fileBytes).toBe(real.size.fileBytes);
    expect(p.artifacts[0].existing.map((f) => path.basename(f)).sort()).toEqual(['MODEL_CARD.md', 'model-card.json', 'model.onnx']);
    expect(p.card.metrics.exported).toBeNull();
    expect(p.markdown).toContain('not for diagnostic use');
  });
});
