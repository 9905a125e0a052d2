import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnxFile, exportTfjs, sizeReport, SPARSITY_STATEMENT } from '../../../../src/node/export';
import { buildModel, countParams, modelPreset } from '../../../../src/shared/model';
import { applyToModel, pruneWeights, readWeights } from '../../../../src/shared/prune';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'export-size-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const onDisk = (files: string[]) => ({
  bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0),
  gzip: files.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0),
});

describe('size report', () => {
  it('matches the files on disk; sparsity shrinks gzip, not the file; latency is measured', async () => {
    const m = buildModel(modelPreset('reference', { inputSize: 16, widthMultiplier: 0.5 }));
    const params = countParams(m);
    const dense = await exportOnnxFile(m, path.join(tmp, 'dense'));
    const denseReport = await sizeReport({
      model: m,
      format: 'onnx',
      weights: 'fp32',
      files: dense.files,
      quantizedBytes: dense.weightBytes,
      latency: { runs: 5, warmup: 1 },
    });

    applyToModel(m, pruneWeights(await readWeights(m), { sparsity: 0.9, scope: 'global' }).weights);
    const sparse = await exportOnnxFile(m, path.join(tmp, 'sparse'));
    const r = await sizeReport({
      model: m,
      format: 'onnx',
      weights: 'fp32',
      files: sparse.files,
      quantizedBytes: sparse.weightBytes,
      latency: { runs: 5, warmup: 1 },
    });

    for (const [rep, exp] of [
      [denseReport, dense],
      [r, sparse],
    ] as const) {
      const disk = onDisk(exp.files);
      expect(rep.fileBytes).toBe(disk.bytes);
      expect(rep.fileBytes).toBe(exp.bytes.length);
      expect(rep.gzipBytes).toBe(disk.gzip);
      expect(rep.files).toEqual([{ name: 'model.onnx', bytes: disk.bytes, gzipBytes: disk.gzip }]);
      expect(rep.parameters).toBe(params.trainable + params.nonTrainable);
      expect(rep.denseBytes).toBe(4 * rep.parameters);
      expect(rep.quantizedBytes).toBeLessThan(rep.fileBytes);
      expect(rep.latency!.medianMs).toBeGreaterThan(0);
      expect(rep.latency!.runs).toBe(5);
      expect(rep.latency!.inputShape).toEqual([1, 16, 16, 3]);
      // timed in the file's own runtime, which reports no memory
      expect(rep.latency).toMatchObject({ runtime: 'onnxruntime-node', peakBytes: null });
      expect(rep.statement).toBe(SPARSITY_STATEMENT);
    }
    expect(r.kernels.sparsity).toBeCloseTo(0.9, 4);
    expect(r.nonZero).toBe(r.parameters - Math.round(0.9 * r.kernels.total) - (denseReport.parameters - denseReport.nonZero));
    // Same file size (zeros are stored), much smaller gzip.
    expect(Math.abs(r.fileBytes - denseReport.fileBytes)).toBeLessThan(64);
    expect(r.gzipBytes).toBeLessThan(0.4 * denseReport.gzipBytes);
    m.dispose();
  });

  it('reports quantized tfjs exports against their shards', async () => {
    const m = buildModel(modelPreset('reference', { inputSize: 16, widthMultiplier: 0.5 }));
    applyToModel(m, pruneWeights(await readWeights(m), { sparsity: 0.9, scope: 'global' }).weights);
    const out = await exportTfjs(m, path.join(tmp, 'tfjs8'), { weights: 'int8-weights' });
    const r = await sizeReport({
      model: m,
      format: 'tfjs',
      weights: 'int8-weights',
      files: out.files,
      quantizedBytes: out.weightBytes,
      latency: { runs: 3, warmup: 1 },
    });
    const disk = onDisk(out.files);
    expect(r.fileBytes).toBe(disk.bytes);
    expect(r.gzipBytes).toBe(disk.gzip);
    const shards = out.files.filter((f) => f.endsWith('.bin'));
    expect(r.quantizedBytes).toBe(shards.reduce((n, f) => n + fs.statSync(f).size, 0));
    // 1 byte per kernel weight + float32 for the rest
    expect(r.quantizedBytes).toBe(r.kernels.total + 4 * (r.parameters - r.kernels.total));
    // timed in tfjs (the files loaded back, dequantized to float32 at load), with the memory tfjs reports
    expect(r.latency).toMatchObject({ runtime: 'tfjs', backend: 'cpu', runs: 3, inputShape: [1, 16, 16, 3] });
    expect(r.latency!.medianMs).toBeGreaterThan(0);
    expect(r.latency!.peakBytes).toBeGreaterThan(4 * r.parameters); // float32 weights as loaded + activations
    expect(r.latency!.peakBytes).toBeLessThan(4 * r.parameters + 64 * 16 * 16 * 4 * 64);
    m.dispose();
  });
});
