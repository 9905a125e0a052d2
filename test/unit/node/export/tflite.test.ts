import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTfliteModel } from '../../../../src/node/export/tflite';
import { readOperatorCounts, readTfliteModel } from '../../../../src/node/export/tflite-schema';
import { compileTflite, runTfliteBatch } from '../../../../src/node/export/litert';
import type { WeightStorage } from '../../../../src/node/export/onnx-builder';
import { applyToModel, pruneWeights, readWeights } from '../../../../src/shared/prune';
import { buildModel, modelPreset } from '../../../../src/shared/model';
import { randomizeWeights } from '../../helpers/weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type S = tf.SymbolicTensor;
const L = tf.layers;

/** Every layer type the TFLite writer maps: BN after a conv (folded) and alone, ReLU after conv/add/other, strides, dilation, valid padding. */
function allLayers(): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3] });
  const a = L.reLU().apply(
    L.batchNormalization({ axis: -1, epsilon: 1e-3 }).apply(
      L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(input),
    ),
  ) as S;
  const b = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(a) as S;
  const b2 = L.activation({ activation: 'relu' }).apply(
    L.batchNormalization({ axis: -1 }).apply(
      L.conv2d({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }).apply(b),
    ),
  ) as S;
  const c = L.reLU().apply(L.add().apply([b, b2])) as S;
  const p = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(c) as S;
  const d = L.conv2d({ filters: 8, kernelSize: 1, padding: 'valid' }).apply(p) as S;
  const u1 = L.upSampling2d({ size: [2, 2] }).apply(d) as S;
  const cat1 = L.concatenate({ axis: -1 }).apply([u1, L.maxPooling2d({ poolSize: 2 }).apply(a) as S]) as S;
  const e = L.reLU().apply(L.batchNormalization({ axis: -1 }).apply(cat1)) as S; // BN with no conv before it
  const u2 = L.upSampling2d({ size: [2, 2] }).apply(e) as S;
  const head = L.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(L.concatenate({ axis: 3 }).apply([u2, a])) as S;
  return tf.model({ inputs: input, outputs: head });
}

/** Runs the written file in LiteRT.js and the model in tfjs on the same random batch. */
async function compare(
  m: tf.LayersModel,
  storage: WeightStorage,
  n = 2,
): Promise<{ maxAbs: number; spread: number; ops: Record<string, number>; versions: Record<string, number[]> }> {
  const e = exportTfliteModel(m, { weights: storage });
  const shape = [n, ...(m.inputs[0].shape.slice(1) as number[])] as [number, number, number, number];
  const x = tf.randomNormal(shape, 0, 1, 'float32', 42);
  const ref = tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
  const compiled = await compileTflite(e.bytes);
  const got = await runTfliteBatch(compiled, x.dataSync() as Float32Array, shape);
  compiled.delete();
  x.dispose();
  expect(got.length).toBe(ref.length);
  let maxAbs = 0;
  for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ref[i] - got[i]));
  const mean = ref.reduce((a, v) => a + v, 0) / ref.length;
  const spread = Math.sqrt(ref.reduce((a, v) => a + (v - mean) ** 2, 0) / ref.length);
  expect(readOperatorCounts(e.bytes)).toEqual(e.operators); // the file declares the operator set the writer reports
  const versions: Record<string, number[]> = {};
  for (const o of readTfliteModel(e.bytes).opcodes) versions[o.name] = [...(versions[o.name] ?? []), o.version];
  return { maxAbs, spread, ops: e.operators, versions };
}

/** fp32: the bar. fp16 / int8 kernels are rounded, so their bounds are wider (as for ONNX). */
const TOL: Record<WeightStorage, number> = { fp32: 1e-4, fp16: 5e-3, 'int8-weights': 5e-2 };

describe('TFLite export, run in LiteRT.js (round trip and parity with tfjs)', () => {
  it('writes a TFL3 flatbuffer', () => {
    const m = allLayers();
    const { bytes } = exportTfliteModel(m);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TFL3');
  });

  for (const storage of ['fp32', 'fp16', 'int8-weights'] as const) {
    it(`every layer type, ${storage}`, async () => {
      const m = allLayers();
      randomizeWeights(m, 7);
      const r = await compare(m, storage);
      expect(r.maxAbs).toBeLessThanOrEqual(TOL[storage]);
      expect(r.spread).toBeGreaterThan(1e-3);
      // BatchNorm after a conv is folded and ReLU fused; the lone BatchNorm is MUL + ADD, its ReLU a RELU op.
      expect(r.ops).toMatchObject({
        CONV_2D: 5,
        MUL: 1,
        RELU: 1,
        LOGISTIC: 1,
        MAX_POOL_2D: 2,
        RESIZE_NEAREST_NEIGHBOR: 2,
        CONCATENATION: 2,
      });
      expect(r.ops.ADD).toBe(2);
      expect(r.ops.DEQUANTIZE ?? 0).toBe(storage === 'fp32' ? 0 : 5);
      // op_version.cc: DEQUANTIZE of float16 is 3, of per-channel int8 5; float CONV_2D is 1 (dilated too).
      expect(r.versions.DEQUANTIZE).toEqual({ fp32: undefined, fp16: [3], 'int8-weights': [5] }[storage]);
      expect(r.versions.CONV_2D).toEqual([1]);
    });
  }

  it('the reference ResNet-UNet (small), dense and 90 % pruned: fp32 max |dp| <= 1e-4', async () => {
    const m = buildModel(modelPreset('reference', { inputSize: 16, widthMultiplier: 0.5 }));
    randomizeWeights(m, 11);
    const dense = await compare(m, 'fp32');
    const { weights } = pruneWeights(await readWeights(m), { sparsity: 0.9, scope: 'layerwise', keepFirstLast: true });
    applyToModel(m, weights);
    const sparse = await compare(m, 'fp32');
    expect(dense.maxAbs).toBeLessThanOrEqual(1e-4);
    expect(sparse.maxAbs).toBeLessThanOrEqual(1e-4);
    expect(Math.min(dense.spread, sparse.spread)).toBeGreaterThan(1e-3);
    m.dispose();
  });

  it('refuses a layer it cannot map, naming it', () => {
    const input = tf.input({ shape: [8, 8, 2] });
    const m = tf.model({ inputs: input, outputs: L.averagePooling2d({ poolSize: 2, name: 'avg' }).apply(input) as S });
    expect(() => exportTfliteModel(m)).toThrow(/avg.*AveragePooling2D/);
  });
});
