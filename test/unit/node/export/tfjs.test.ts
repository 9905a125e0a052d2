import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTfjs, tfjsDir } from '../../../../src/node/export/tfjs';
import { fromFloat16Bits, quantizeUint8Affine, toFloat16Bits } from '../../../../src/node/export/quantize';
import { applyToModel, pruneWeights, readWeights } from '../../../../src/shared/prune';

const L = tf.layers;
type S = tf.SymbolicTensor;
let tmp: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'export-tfjs-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tinyUnet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const a = L.reLU().apply(
    L.batchNormalization({ axis: -1 }).apply(
      L.conv2d({
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
      }).apply(input),
    ),
  ) as S;
  const p = L.maxPooling2d({ poolSize: 2, strides: 2 }).apply(a) as S;
  const b = L.conv2d({
    filters: 8,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: tf.initializers.heNormal({ seed: 2 }),
  }).apply(p) as S;
  const u = L.upSampling2d({ size: [2, 2] }).apply(b) as S;
  const c = L.concatenate({ axis: -1 }).apply([u, a]) as S;
  const head = L.conv2d({
    filters: 1,
    kernelSize: 1,
    activation: 'sigmoid',
    kernelInitializer: tf.initializers.heNormal({ seed: 3 }),
  }).apply(c) as S;
  const m = tf.model({ inputs: input, outputs: head });
  // Non-trivial BN statistics so that the stored float32 BN params matter.
  const bn = m.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  bn.setWeights([
    tf.randomUniform([8], 0.5, 1.5, 'float32', 4),
    tf.randomNormal([8], 0, 0.2, 'float32', 5),
    tf.randomNormal([8], 0, 0.3, 'float32', 6),
    tf.randomUniform([8], 0.5, 2, 'float32', 7),
  ]);
  return m;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('tfjs layers export', () => {
  const x = () => tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 9);

  // Stated tolerances on probabilities: fp32 1e-6 (bit-identical weights), fp16 2e-3, 8-bit affine 3e-2.
  for (const [storage, tol] of [
    ['fp32', 1e-6],
    ['fp16', 2e-3],
    ['int8-weights', 3e-2],
  ] as const) {
    it(`${storage}: written files load with tf.loadLayersModel and predict the same`, async () => {
      const m = tinyUnet();
      const { weights } = pruneWeights(await readWeights(m), { sparsity: 0.8, scope: 'global' });
      applyToModel(m, weights);
      const dir = path.join(tmp, storage);
      const res = await exportTfjs(m, dir, { weights: storage, shardBytes: 512, metadata: { sparsity: 0.8 } });
      // several shards, model.json last, exactly these files on disk
      expect(res.files.length).toBeGreaterThan(2);
      expect(res.files[res.files.length - 1]).toBe(res.modelJson);
      expect(fs.readdirSync(dir).sort()).toEqual(res.files.map((f) => path.basename(f)).sort());
      const shardTotal = res.files.slice(0, -1).reduce((n, f) => n + fs.statSync(f).size, 0);
      expect(shardTotal).toBe(res.weightBytes);
      const json = JSON.parse(fs.readFileSync(res.modelJson, 'utf8'));
      const kernels = json.weightsManifest[0].weights.filter((w: { shape: number[] }) => w.shape.length > 1);
      expect(
        kernels.every(
          (w: { quantization?: { dtype: string } }) =>
            w.quantization?.dtype === { fp32: undefined, fp16: 'float16', 'int8-weights': 'uint8' }[storage],
        ),
      ).toBe(true);
      expect(res.kernelBytes).toBe(res.kernelElements * { fp32: 4, fp16: 2, 'int8-weights': 1 }[storage]);

      const loaded = await tf.loadLayersModel(tfjsDir(dir));
      const input = x();
      const p0 = (m.predict(input) as tf.Tensor).dataSync();
      const p1 = (loaded.predict(input) as tf.Tensor).dataSync();
      console.log(`tfjs ${storage}: max |dp| = ${maxAbs(p0, p1)}`);
      expect(maxAbs(p0, p1)).toBeLessThanOrEqual(tol);
      // pruned zeros stay exactly zero after decoding (fp16 and the nudged uint8 grid both hold 0)
      const zeros = (mm: tf.LayersModel) =>
        mm.weights.filter((v) => v.shape.length > 1).reduce((n, v) => n + Array.from(v.read().dataSync()).filter((z) => z === 0).length, 0);
      expect(zeros(loaded)).toBe(zeros(m));
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
      input.dispose();
      loaded.dispose();
      m.dispose();
    });
  }

  it('never overwrites without being asked, and rejects unsafe shard paths', async () => {
    const m = tinyUnet();
    const dir = path.join(tmp, 'twice');
    await exportTfjs(m, dir);
    const before = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    await expect(exportTfjs(m, dir)).rejects.toThrow(/already exist/);
    expect(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe(before);
    await exportTfjs(m, dir, { overwrite: true });
    const json = JSON.parse(before);
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    await expect(tf.loadLayersModel(tfjsDir(dir))).rejects.toThrow(/plain file name/);
    await expect(tf.loadLayersModel(tfjsDir(path.join(tmp, 'nothing')))).rejects.toThrow(/No model.json/);
  });
});

describe('quantizers', () => {
  it('float16 rounds to nearest even and round-trips representable values', () => {
    for (const v of [0, -0, 1, -2.5, 65504, 2 ** -14, 2 ** -24, 0.1, 1 / 3]) {
      const back = fromFloat16Bits(toFloat16Bits(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    }
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(toFloat16Bits(70000)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal -> 0
    // agrees with tfjs' own float16 decoder
    const f16 = Uint16Array.from([0x3c00, 0xc100, 0x0001, 0x7bff, 0x3555]);
    expect(Array.from(f16, fromFloat16Bits)).toEqual([1, -2.5, 2 ** -24, 65504, Math.fround(0.333251953125)]);
  });

  it('uint8 affine keeps 0 exact and stays within half a step', () => {
    const v = Float32Array.from([-0.7, 0, 0.05, 0.31, 1.2, 0]);
    const q = quantizeUint8Affine(v);
    const back = Array.from(q.q, (x) => x * q.scale + q.min);
    expect(back[1]).toBe(0);
    expect(back[5]).toBe(0);
    expect(maxAbs(back, v)).toBeLessThanOrEqual(q.scale / 2 + 1e-7);
  });
});
