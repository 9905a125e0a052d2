import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExportJob } from '../../../../src/node/export/job';
import { exportOnnxModel } from '../../../../src/node/export/onnx';
import { onnx } from '../../../../src/node/export/onnx-proto';
import { createOnnxSession, runOnnx } from '../../../../src/node/export/onnx-run';
import { exportOnnxQdqModel, optimizedOpTypes } from '../../../../src/node/export/qdq';
import { evenlySpaced } from '../../../../src/node/export/calibration';
import { foldBatchNorm } from '../../../../src/node/export/qdq-graph';
import { ModelCardSchema, type ExportResult } from '../../../../src/shared/export';
import { modelPreset } from '../../../../src/shared/model';
import { scoreProbabilities } from '../../../../src/shared/metrics';
import { parseRunConfig } from '../../../../src/shared/run/config';
import type { Sample } from '../../../../src/shared/data/types';
import { loadRunSamples } from '../../../../src/node/train/data';
import { tinyRunConfig } from '../../helpers/job';
import type { RunRecord } from '../../../../src/shared/run/record';
import { maxAbs, trainedRun } from '../../helpers/export';
import { randomSlices, referenceWithRandomBatchNorm } from '../../helpers/weights';

let root: string;
const tmp = () => path.join(root, `opt-${Math.random().toString(36).slice(2)}.onnx`);

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'export-qdq-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function predict(bytes: Uint8Array, x: Float32Array[]): Promise<Float32Array> {
  const s = await createOnnxSession(bytes);
  const flat = new Float32Array(x.length * 32 * 32 * 3); // NHWC 32x32x3 slices
  x.forEach((im, i) => flat.set(im, i * im.length));
  const out = await runOnnx(s, flat, [x.length, 32, 32, 3]);
  await s.release();
  return out.data;
}

describe('int8-qdq ONNX graph', () => {
  it('folds BatchNorm into the convolutions without changing the output', async () => {
    const m = referenceWithRandomBatchNorm();
    const fp = exportOnnxModel(m).bytes;
    const proto = onnx.ModelProto.decode(fp);
    const bns = proto.graph!.node!.filter((n) => n.opType === 'BatchNormalization').length;
    expect(foldBatchNorm(proto.graph!)).toBe(bns);
    expect(proto.graph!.node!.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    const x = randomSlices(2, 100);
    expect(maxAbs(await predict(onnx.ModelProto.encode(proto).finish(), x), await predict(fp, x))).toBeLessThanOrEqual(1e-4);
    m.dispose();
  });

  it('loads in onnxruntime, which runs every convolution as an integer QLinearConv; the float graph has none', async () => {
    const m = referenceWithRandomBatchNorm();
    const convs = onnx.ModelProto.decode(exportOnnxModel(m).bytes).graph!.node!.filter((n) => n.opType === 'Conv').length;
    const q = await exportOnnxQdqModel(m, randomSlices(40, 1), {});
    expect(q.calibration).toMatchObject({ method: 'minmax', slices: 32, quantizedConvs: convs });
    const file = onnx.ModelProto.decode(q.bytes).graph!.node!.map((n) => n.opType);
    expect(file.filter((op) => op === 'QuantizeLinear').length).toBeGreaterThan(0);
    const ops = await optimizedOpTypes(q.bytes, tmp());
    expect(ops.QLinearConv).toBe(convs);
    expect(ops.Conv ?? 0).toBe(0);
    expect(ops.FusedConv ?? 0).toBe(0);
    // the residual adds and skip concatenations run on uint8 too; one Q at the input, one DQ before the sigmoid
    expect(ops.QLinearAdd).toBeGreaterThan(0);
    expect(ops.QLinearConcat).toBeGreaterThan(0);
    expect([ops.Add ?? 0, ops.Concat ?? 0, ops.QuantizeLinear, ops.DequantizeLinear]).toEqual([0, 0, 1, 1]);
    const fpOps = await optimizedOpTypes(exportOnnxModel(m).bytes, tmp());
    expect(fpOps.QLinearConv ?? 0).toBe(0);
    expect((fpOps.Conv ?? 0) + (fpOps.FusedConv ?? 0)).toBe(convs);
    // int8 arithmetic stays close to float32 on inputs like the calibration ones
    const x = randomSlices(2, 500);
    const d = maxAbs(await predict(q.bytes, x), await predict(exportOnnxModel(m).bytes, x));
    expect(d).toBeGreaterThan(0); // it really is quantized
    expect(d).toBeLessThanOrEqual(0.1);
    m.dispose();
  });

  it('percentile calibration clips the ranges and still runs integer kernels', async () => {
    const m = referenceWithRandomBatchNorm();
    const q = await exportOnnxQdqModel(m, randomSlices(8, 1), { method: 'percentile', percentile: 99.9, slices: 8 });
    expect(q.calibration).toMatchObject({ method: 'percentile', percentile: 99.9, slices: 8 });
    expect((await optimizedOpTypes(q.bytes, tmp())).QLinearConv).toBeGreaterThan(0);
    m.dispose();
  });

  it('picks calibration slices evenly spaced and deterministically', () => {
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7], 4)).toEqual([0, 2, 4, 6]);
    expect(evenlySpaced([0, 1], 4)).toEqual([0, 1]);
  });
});

/**
 * Stated tolerance on the phantom set: the per-case Dice (the one scoring module) of the int8-qdq
 * file is within 0.02 of the float32 ONNX file's, and at most 1 % of the pixels change mask.
 */
const QDQ_DICE_TOL = 0.02;

/**
 * A model that really segments the phantoms without minutes of training: lesions are the bright
 * spots of the FLAIR channel (1), so a 3x3 mean of it, thresholded by four Conv-BN-ReLU units and
 * summed by a 1x1 sigmoid head, finds them. Its threshold is fitted on the training slices.
 */
function brightSpotModel(threshold: number): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [32, 32, 3] });
  const conv = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false });
  const bn = L.batchNormalization({ axis: -1, epsilon: 1e-3 });
  const head = L.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' });
  const out = head.apply(L.reLU().apply(bn.apply(conv.apply(input)))) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  const k = new Float32Array(3 * 3 * 3 * 4);
  for (let i = 0; i < 9; i++) for (let f = 0; f < 4; f++) k[i * 12 + 1 * 4 + f] = 1 / 9;
  conv.setWeights([tf.tensor4d(k, [3, 3, 3, 4])]);
  const steps = [0, 0.25, 0.5, 0.75];
  bn.setWeights([tf.ones([4]), tf.tensor1d(steps.map((s) => -(threshold + s))), tf.zeros([4]), tf.fill([4], 1 - 1e-3)]);
  head.setWeights([tf.fill([1, 1, 4, 1], 6), tf.tensor1d([-1])]);
  return m;
}

describe('int8-qdq Dice on the phantom set', () => {
  it('stays within the stated tolerance of float32', async () => {
    const config = parseRunConfig(
      tinyRunConfig({
        model: modelPreset('reference', { widthMultiplier: 0.25, inputSize: 32 }),
        data: { kind: 'phantoms', count: 8, slicesPerCase: 8, size: 32, seed: 5 },
        split: { train: 0.5, val: 0.5, test: 0 },
      }),
    );
    const { train, val } = await loadRunSamples(config);
    const probs = (m: tf.LayersModel, s: Sample[]) =>
      tf.tidy(
        () =>
          (
            m.predict(tf.tensor4d(Float32Array.from(s.flatMap((x) => [...x.image])), [s.length, 32, 32, 3])) as tf.Tensor
          ).dataSync() as Float32Array,
      );
    // fit the one threshold on the training slices, in float32
    let best = { t: 0, dice: -1 };
    for (let t = 0.5; t <= 4; t += 0.25) {
      const m = brightSpotModel(t);
      const dice = scoreProbabilities(probs(m, train), train, 32).summary.caseDice.mean ?? 0;
      if (dice > best.dice) best = { t, dice };
      m.dispose();
    }
    const m = brightSpotModel(best.t);
    const fp = exportOnnxModel(m).bytes;
    const q = await exportOnnxQdqModel(
      m,
      train.map((s) => s.image),
    );
    expect((await optimizedOpTypes(q.bytes, tmp())).QLinearConv).toBe(2);
    const pf = await predict(
      fp,
      val.map((s) => s.image),
    );
    const pq = await predict(
      q.bytes,
      val.map((s) => s.image),
    );
    const df = scoreProbabilities(pf, val, 32).summary.caseDice.mean!;
    const dq = scoreProbabilities(pq, val, 32).summary.caseDice.mean!;
    let flips = 0;
    for (let i = 0; i < pf.length; i++) if (pf[i] >= 0.5 !== pq[i] >= 0.5) flips++;
    console.log(
      `phantom val (threshold ${best.t}, train Dice ${best.dice.toFixed(3)}): fp32 Dice ${df.toFixed(4)}, int8-qdq Dice ${dq.toFixed(4)}, ${flips} of ${pf.length} pixels flip`,
    );
    expect(df).toBeGreaterThan(0.15); // it segments (train Dice ~0.46, val ~0.23), so the comparison means something
    expect(Math.abs(dq - df)).toBeLessThanOrEqual(QDQ_DICE_TOL);
    expect(flips / pf.length).toBeLessThanOrEqual(0.01);
    m.dispose();
  });
});

describe('int8-qdq export job on a trained run', () => {
  let run: { record: RunRecord; runDir: string };
  let result: ExportResult;
  beforeAll(async () => {
    run = await trainedRun(root, 'qdq-fixture');
    result = await runExportJob(
      {
        runDir: run.runDir,
        sparsity: 0.5,
        scope: 'global',
        keepFirstLast: false,
        reestimateBatchNorm: false,
        formats: ['onnx', 'tfjs'],
        weights: ['fp32', 'int8-qdq'],
        overwrite: false,
      },
      { latency: { runs: 3, warmup: 1 } },
    );
  }, 240_000);

  it('writes onnx int8-qdq next to the float exports and skips tfjs int8-qdq', () => {
    expect(result.artifacts.map((a) => `${a.format}-${a.weights}`)).toEqual(['onnx-fp32', 'onnx-int8-qdq', 'tfjs-fp32']);
  });

  it('runs with integer kernels and scores the file against the float32 pruned model', () => {
    const q = result.artifacts.find((a) => a.weights === 'int8-qdq')!;
    const f = result.artifacts.find((a) => a.format === 'onnx' && a.weights === 'fp32')!;
    expect(q.check.ops?.QLinearConv).toBeGreaterThan(0);
    expect(f.check.ops?.QLinearConv ?? 0).toBe(0);
    // (this 1-epoch fixture barely segments; the Dice tolerance is checked on the model above)
    expect(q.check.deltaDice === null || Math.abs(q.check.deltaDice) <= QDQ_DICE_TOL).toBe(true);
    expect(q.check.maskDisagreement).toBeLessThanOrEqual(0.01);
    expect(q.check.maxAbsProbDiff).toBeGreaterThan(0);
    console.log(
      `int8-qdq vs fp32 pruned: dice ${q.check.score.caseDice.mean} vs ${q.check.reference.caseDice.mean}, max|dp| ${q.check.maxAbsProbDiff}, flips ${q.check.maskDisagreement}`,
    );
  });

  it('states the calibration and the integer kernels in the model card', () => {
    const q = result.artifacts.find((a) => a.weights === 'int8-qdq')!;
    const card = ModelCardSchema.parse(JSON.parse(fs.readFileSync(q.card.json, 'utf8')));
    expect(card.export?.calibration).toMatchObject({ method: 'minmax' });
    expect(card.export?.calibration?.slices).toBe(Math.min(32, run.record.data!.trainSamples));
    expect(card.export?.quantization).toMatch(/QLinearConv/);
    expect(q.card.text).toMatch(/onnxruntime runs \(after its graph optimizations\): QLinearConv x\d+/);
    expect(q.card.text).toMatch(/Calibration: min\/max over \d+ training slices/);
    expect(card.limitations.some((l) => /int8-qdq/.test(l))).toBe(true);
  });
});
