import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/node/compute/backend';
import { RunStore } from '../../../../src/node/runs/store';
import { computeHessianTopEigenvalue } from '../../../../src/node/train/flatness';
import { topHessianEigenvalue } from '../../../../src/node/train/hessian';
import { trainNewRun } from '../../../../src/node/train/job';
import { loadRunModel } from '../../../../src/node/train/runModel';
import { tinyRunConfig } from '../../helpers/job';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'job-hessian-'));
beforeAll(async () => {
  await initBackend('wasm', { log: () => undefined });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Symmetric eigenvalues by cyclic Jacobi rotations (reference for small dense matrices). */
function jacobiEigenvalues(m: number[][]): number[] {
  const n = m.length;
  const a = m.map((r) => r.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
  }
  return a.map((r, i) => r[i]);
}

const flat = (ts: tf.Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));

describe('top Hessian eigenvalue by power iteration with finite-difference HVPs', () => {
  it('finds the known top eigenvalue of a quadratic and restores the weights', async () => {
    // A = Q diag(lambda) Q^T with a random orthogonal Q (QR of a seeded matrix), 7 parameters
    // split over two variables of different rank.
    const lambdas = [5, 2, 1, 0.5, -0.3, 0.1, 0.2];
    const A = tf.tidy(() => {
      const [q] = tf.linalg.qr(tf.randomNormal([7, 7], 0, 1, 'float32', 3));
      return q.mul(tf.tensor1d(lambdas)).matMul(q.transpose());
    });
    const w1 = tf.variable(tf.tensor2d([0.3, -0.2, 0.5, 0.1], [2, 2]));
    const w2 = tf.variable(tf.tensor1d([0.7, -0.4, 0.2]));
    const before = flat([w1, w2]);
    const gradAt = async () => {
      const { value, grads } = tf.variableGrads(() => {
        const w = tf.concat([w1.reshape([-1]), w2]).reshape([7, 1]);
        return w.transpose().matMul(A).matMul(w).mul(0.5).asScalar();
      }, [w1, w2]);
      value.dispose();
      return [grads[w1.name], grads[w2.name]];
    };
    const n0 = tf.memory().numTensors;
    const r = await topHessianEigenvalue([w1, w2], gradAt, { iterations: 30, seed: 1 });
    expect(tf.memory().numTensors).toBe(n0);
    expect(r.eigenvalue).toBeCloseTo(5, 3);
    expect(r.dominant).toBeCloseTo(5, 3);
    expect(flat([w1, w2])).toEqual(before);
  });

  it('finds the largest eigenvalue when the dominant one is negative', async () => {
    // Dominant -6, largest +3: plain power iteration converges to -6; the shifted pass finds 3.
    const A = tf.tidy(() => {
      const [q] = tf.linalg.qr(tf.randomNormal([5, 5], 0, 1, 'float32', 4));
      return q.mul(tf.tensor1d([3, -6, 1, 0.5, -1])).matMul(q.transpose());
    });
    const w = tf.variable(tf.tensor1d([0.1, 0.2, -0.3, 0.4, 0.5]));
    const gradAt = async () => {
      const { value, grads } = tf.variableGrads(
        () =>
          w
            .reshape([1, 5])
            .matMul(A)
            .matMul(w.reshape([5, 1]))
            .mul(0.5)
            .asScalar(),
        [w],
      );
      value.dispose();
      return [grads[w.name]];
    };
    const mag = await topHessianEigenvalue([w], gradAt, { iterations: 80, target: 'magnitude' });
    expect(mag.eigenvalue).toBeCloseTo(-6, 2);
    const top = await topHessianEigenvalue([w], gradAt, { iterations: 80 });
    expect(top.dominant).toBeCloseTo(-6, 2);
    expect(top.eigenvalue).toBeCloseTo(3, 2);
  });

  it('matches the dense finite-difference Hessian of a small nonlinear model', async () => {
    // 3 -> 2 (tanh) -> 1 dense net: 11 parameters, MSE on fixed data.
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [3], units: 2, activation: 'tanh', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }),
      ],
    });
    const x = tf.randomNormal([16, 3], 0, 1, 'float32', 5);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 6);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const gradAt = async () => {
      const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar, vars);
      value.dispose();
      return vars.map((v) => grads[v.name]);
    };
    // Dense Hessian, column by column, by central differences along each coordinate.
    const n = vars.reduce((s, v) => s + v.size, 0);
    const w0 = vars.map((v) => v.clone());
    const h = 1e-2;
    const H: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let j = 0; j < n; j++) {
      const shift = async (d: number) => {
        let k = 0;
        vars.forEach((v, i) => {
          const e = new Float32Array(v.size);
          if (j >= k && j < k + v.size) e[j - k] = d;
          k += v.size;
          const t = tf.tidy(() => w0[i].add(tf.tensor(e, v.shape)));
          v.assign(t);
          t.dispose();
        });
        const g = await gradAt();
        const out = flat(g);
        g.forEach((t) => t.dispose());
        return out;
      };
      const gp = await shift(h);
      const gm = await shift(-h);
      for (let i = 0; i < n; i++) H[i][j] = (gp[i] - gm[i]) / (2 * h);
    }
    vars.forEach((v, i) => v.assign(w0[i]));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) H[i][j] = H[j][i] = (H[i][j] + H[j][i]) / 2;
    const eig = jacobiEigenvalues(H);
    const top = eig.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));

    const r = await topHessianEigenvalue(vars, gradAt, { iterations: 100, tolerance: 1e-7, seed: 2, h: 1e-2 });
    expect(Math.abs(r.eigenvalue - top) / Math.abs(top)).toBeLessThan(0.01);
    w0.forEach((t) => t.dispose());
    model.dispose();
  });

  it('computes and stores the flatness diagnostic of a trained run', async () => {
    const run = await trainNewRun(tinyRunConfig({ epochs: 1, backend: 'wasm' }), { runsRoot: root });
    expect(run.status).toBe('completed');
    const rec = await computeHessianTopEigenvalue(path.join(root, run.id), { iterations: 8, batchSize: 4 });
    expect(rec.hessian).toMatchObject({ weights: 'final', batchNorm: 'inference', batchSize: 4 });
    expect(Number.isFinite(rec.hessianTopEigenvalue)).toBe(true);
    expect(rec.hessian!.history.length).toBeGreaterThanOrEqual(2);
    const onDisk = await new RunStore(root).open(run.id);
    expect(onDisk.hessianTopEigenvalue).toBe(rec.hessianTopEigenvalue);
    // Same run, same seed: deterministic, and the stored weights were not disturbed.
    const again = await computeHessianTopEigenvalue(path.join(root, run.id), { iterations: 8, batchSize: 4 });
    expect(again.hessianTopEigenvalue).toBe(rec.hessianTopEigenvalue);
    // The trained network is loadable for other jobs (pruning sweep, export).
    const { model, weights } = await loadRunModel(path.join(root, run.id));
    expect(weights).toBe('final');
    expect(model.outputs[0].shape).toEqual([null, 16, 16, 1]);
    model.dispose();
  });
});
