import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTfliteModel } from '../../../../src/node/export/tflite';
import { exportTfliteInt8Model, INT8_OP_VERSIONS } from '../../../../src/node/export/tflite-int8';
import { readOperatorCounts, readTfliteModel, TensorType } from '../../../../src/node/export/tflite-schema';
import { compileTflite, runTfliteBatch } from '../../../../src/node/export/litert';
import { maxAbs } from '../../helpers/export';
import { randomSlices, referenceWithRandomBatchNorm } from '../../helpers/weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function predict(bytes: Uint8Array, x: Float32Array[]): Promise<Float32Array> {
  const compiled = await compileTflite(bytes);
  const flat = new Float32Array(x.length * 32 * 32 * 3);
  x.forEach((im, i) => flat.set(im, i * im.length));
  const out = await runTfliteBatch(compiled, flat, [x.length, 32, 32, 3]);
  compiled.delete();
  return out;
}

type S = tf.SymbolicTensor;
const L = tf.layers;

/** Max pooling, a lone ReLU, a skip concatenation and upsampling: the ops the reference preset does not use. Seeded weights. */
function poolingModel(): tf.LayersModel {
  let seed = 0;
  const conv = (filters: number, kernelSize: number, activation?: 'relu' | 'sigmoid') =>
    L.conv2d({ filters, kernelSize, padding: 'same', activation, kernelInitializer: tf.initializers.heNormal({ seed: ++seed }) });
  const input = tf.input({ shape: [32, 32, 3] });
  const a = conv(8, 3, 'relu').apply(input) as S;
  const p = L.maxPooling2d({ poolSize: 2 }).apply(a) as S;
  const b = L.reLU().apply(L.add().apply([p, conv(8, 3).apply(p) as S])) as S;
  const u = L.upSampling2d({ size: [2, 2] }).apply(b) as S;
  const cat = L.reLU().apply(L.concatenate().apply([u, conv(4, 1).apply(a) as S])) as S; // a ReLU no conv/add takes
  return tf.model({ inputs: input, outputs: conv(1, 1, 'sigmoid').apply(cat) as S });
}

/** Checks the file against TFLite's int8 spec; returns the operator names in file order. */
function checkSpec(bytes: Uint8Array): string[] {
  const f = readTfliteModel(bytes);
  const t = (i: number) => f.tensors[i];
  const same = (a: number, b: number) => expect([t(a).scale, t(a).zeroPoint]).toEqual([t(b).scale, t(b).zeroPoint]);
  const names: string[] = [];
  for (const op of f.operators) {
    const name = f.opcodes[op.opcode].name;
    names.push(name);
    const [x] = op.inputs;
    const [y] = op.outputs;
    // the float32 interface: QUANTIZE reads the input, DEQUANTIZE writes the output; everything between is INT8
    expect(t(x).type).toBe(name === 'QUANTIZE' ? TensorType.FLOAT32 : TensorType.INT8);
    expect(t(y).type).toBe(name === 'DEQUANTIZE' ? TensorType.FLOAT32 : TensorType.INT8);
    for (const i of [x, y]) {
      if (t(i).type !== TensorType.INT8) continue;
      expect(t(i).scale).toHaveLength(1);
      expect(t(i).zeroPoint[0]).toBeGreaterThanOrEqual(-128);
      expect(t(i).zeroPoint[0]).toBeLessThanOrEqual(127);
    }
    if (name === 'CONV_2D') {
      const [, w, b] = op.inputs;
      const cout = f.tensors[w].scale.length;
      expect([t(w).type, t(b).type]).toEqual([TensorType.INT8, TensorType.INT32]);
      expect(cout).toBeGreaterThan(0);
      expect(t(w).zeroPoint).toEqual(new Array(cout).fill(0)); // symmetric per output channel
      expect(t(b).zeroPoint).toEqual(new Array(cout).fill(0));
      t(b).scale.forEach((s, c) => expect(Math.abs(s - t(x).scale[0] * t(w).scale[c])).toBeLessThanOrEqual(1e-6 * s));
    }
    if (name === 'CONCATENATION') for (const i of op.inputs) same(i, y);
    if (name === 'MAX_POOL_2D' || name === 'RESIZE_NEAREST_NEIGHBOR') same(x, y);
    if (name === 'LOGISTIC') expect([t(y).scale[0], t(y).zeroPoint[0]]).toEqual([1 / 256, -128]);
  }
  // op_version.cc for int8 inputs
  for (const o of f.opcodes) expect(o.version).toBe(INT8_OP_VERSIONS[o.name as keyof typeof INT8_OP_VERSIONS]);
  return names;
}

describe('int8-full TFLite, run in LiteRT.js', () => {
  it('the reference ResNet-UNet: every internal tensor INT8, spec constraints kept, output within 0.02 of the fp32 file', async () => {
    const m = referenceWithRandomBatchNorm();
    const q = await exportTfliteInt8Model(m, randomSlices(40, 0));
    expect(q.calibration).toMatchObject({ method: 'minmax', slices: 32, quantizedConvs: 16, foldedBatchNorms: 15 });
    const names = checkSpec(q.bytes);
    expect([names[0], names.at(-1)]).toEqual(['QUANTIZE', 'DEQUANTIZE']);
    expect(readOperatorCounts(q.bytes)).toEqual(q.operators);
    expect(q.operators).toMatchObject({ QUANTIZE: 1, DEQUANTIZE: 1, CONV_2D: 16, ADD: 4, CONCATENATION: 3, LOGISTIC: 1 });
    // the versions the spec fixes for int8 (a changed table must be checked against op_version.cc again)
    expect(INT8_OP_VERSIONS).toEqual({
      CONV_2D: 3,
      ADD: 2,
      CONCATENATION: 2,
      MAX_POOL_2D: 2,
      RESIZE_NEAREST_NEIGHBOR: 2,
      LOGISTIC: 2,
      RELU: 2,
      QUANTIZE: 1,
      DEQUANTIZE: 2,
    });
    // measured max |dp| 0.0045 on these inputs (the sigmoid output alone is rounded to 1/256)
    const x = randomSlices(4, 500);
    const fp = await predict(exportTfliteModel(m).bytes, x);
    const d = maxAbs(await predict(q.bytes, x), fp);
    console.log(`reference model: int8-full max |dp| ${d}`);
    expect(d).toBeGreaterThan(0); // it really is quantized
    expect(d).toBeLessThanOrEqual(0.02);
    expect(Math.max(...fp) - Math.min(...fp)).toBeGreaterThan(0.05); // the outputs vary, so the bound says something
    m.dispose();
  });

  it('max pooling, a lone ReLU, concatenation and upsampling run in int8 too (min/max and percentile calibration)', async () => {
    const m = poolingModel();
    const q = await exportTfliteInt8Model(m, randomSlices(8, 0));
    const names = checkSpec(q.bytes);
    expect(names).toEqual(expect.arrayContaining(['MAX_POOL_2D', 'RELU', 'CONCATENATION', 'RESIZE_NEAREST_NEIGHBOR', 'ADD']));
    const x = randomSlices(2, 700);
    const d = maxAbs(await predict(q.bytes, x), await predict(exportTfliteModel(m).bytes, x));
    console.log(`pooling model: int8-full max |dp| ${d}`);
    expect(d).toBeLessThanOrEqual(0.05);
    const p = await exportTfliteInt8Model(m, randomSlices(8, 0), { method: 'percentile', percentile: 99.9 });
    expect(p.calibration).toMatchObject({ method: 'percentile', percentile: 99.9, slices: 8 });
    checkSpec(p.bytes);
    m.dispose();
  });

  it('refuses without calibration images, and a BatchNorm it cannot fold, saying what to export instead', async () => {
    const m = referenceWithRandomBatchNorm();
    await expect(exportTfliteInt8Model(m, [])).rejects.toThrow(/int8-full needs training images/);
    m.dispose();
    const input = tf.input({ shape: [8, 8, 2] });
    const bn = tf.model({ inputs: input, outputs: L.batchNormalization({ name: 'lonely' }).apply(input) as S });
    await expect(
      exportTfliteInt8Model(
        bn,
        randomSlices(1, 0).map((im) => im.subarray(0, 128)),
      ),
    ).rejects.toThrow(/lonely.*int8-weights/s);
  });
});
