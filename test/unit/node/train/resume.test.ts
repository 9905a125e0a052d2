import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { trainNewRun, resumeRun } from '../../../../src/node/train/job';
import { RunStore } from '../../../../src/node/runs/store';
import { unpackTensors } from '../../../../src/node/train/tensorPack';
import type { TrainProgress } from '../../../../src/shared/run/events';
import { writePhantomsAsLgg } from '../../../../src/node/data/lgg-writer';
import { generatePhantoms } from '../../../../src/shared/data/phantoms';
import { localGradientFn } from '../../../../src/shared/train/gradients';
import { defaultLoss } from '../../../../src/shared/train/loss';
import { tinyRunConfig } from '../../helpers/job';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'job-resume-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function finalWeights(runId: string, where: 'model' | 'checkpoint' = 'model') {
  const file = path.join(root, runId, where, 'weights.bin');
  return unpackTensors(fs.readFileSync(file), file).tensors;
}

describe('training job: checkpoint and resume', () => {
  // Shuffling, augmentation (both) and CrAM sparsity draws (wasm case) make the RNG streams
  // matter; momentum and BatchNorm moving statistics make the tensor state matter. The cpu case
  // uses SGD only because the plain-JS backend is slow.
  it.each([
    ['cpu', { method: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4, varLambda: 1e-4 }],
    ['wasm', { method: 'cram', lr: 0.05, momentum: 0.9, weightDecay: 1e-4, varLambda: 1e-4, rho: 0.01, cramSparsities: [0.5, 0.7] }],
  ] as const)('%s: 1 epoch + cancel + resume for 2 gives exactly the weights of 3 uninterrupted epochs', async (backend, optimizer) => {
    const config = tinyRunConfig({
      optimizer: { ...optimizer, cramSparsities: 'cramSparsities' in optimizer ? [...optimizer.cramSparsities] : [] },
      schedule: { kind: 'cosine', warmupSteps: 2 },
      backend,
    });
    const live: number[] = [];
    const full = await trainNewRun(config, { runsRoot: root, onEpoch: () => live.push(tf.memory().numTensors) });
    expect(full.status).toBe('completed');
    expect(full.epochs).toHaveLength(3);
    // Steps, validation, statistics and checkpoints leave nothing behind from epoch to epoch.
    expect(new Set(live).size).toBe(1);

    const controller = new AbortController();
    const progress: TrainProgress[] = [];
    const part = await trainNewRun(config, {
      runsRoot: root,
      signal: controller.signal,
      progress: { report: (p) => progress.push(p) },
      onEpoch: (e) => {
        if (e.record.epoch === 0) controller.abort();
      },
    });
    expect(part.status).toBe('cancelled');
    expect(part.epochs).toHaveLength(1);
    expect(fs.existsSync(path.join(root, part.id, 'model'))).toBe(false);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ runId: part.id, epoch: 0, totalSteps: full.epochs.reduce((s, e) => s + e.steps, 0) });

    const afterOne = finalWeights(part.id, 'checkpoint');
    const resumed = await resumeRun(part.id, { runsRoot: root });
    expect(resumed.status).toBe('completed');
    expect(resumed.backend.name).toBe(backend);
    expect(resumed.timings.resumes).toBe(1);
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(resumed.epochs.map((e) => e.trainLoss)).toEqual(full.epochs.map((e) => e.trainLoss));
    expect(resumed.epochs.map((e) => e.valCaseDice)).toEqual(full.epochs.map((e) => e.valCaseDice));
    expect(resumed.trainingCheck).toEqual(full.trainingCheck);

    const a = finalWeights(full.id);
    const b = finalWeights(resumed.id);
    expect(b.length).toBe(a.length);
    let maxDiff = 0;
    a.forEach((t, i) => t.values.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - b[i].values[k])))));
    // Same backend, same seed: bit-identical, including BatchNorm moving statistics.
    expect(maxDiff).toBe(0);
    // ...and training did move the weights (the comparison is not vacuous).
    expect(afterOne.some((t, i) => t.values.some((v, k) => v !== a[i].values[k]))).toBe(true);

    // The record on disk matches what was returned.
    const onDisk = await new RunStore(root).open(resumed.id);
    expect(onDisk.status).toBe('completed');
    expect(onDisk.epochs).toHaveLength(3);
  });

  it('a checkpoint interrupted mid-swap still resumes from the previous one', async () => {
    const config = tinyRunConfig({ epochs: 2, augment: null, backend: 'wasm' });
    const controller = new AbortController();
    const run = await trainNewRun(config, { runsRoot: root, signal: controller.signal, onEpoch: () => controller.abort() });
    expect(run.status).toBe('cancelled');
    const dir = path.join(root, run.id);
    // Simulate a crash between the two renames of the swap: only ".old-checkpoint-*" is left,
    // plus a half-written temp dir without its state.json.
    fs.renameSync(path.join(dir, 'checkpoint'), path.join(dir, '.old-checkpoint-crash'));
    fs.mkdirSync(path.join(dir, '.tmp-checkpoint-crash'));
    fs.writeFileSync(path.join(dir, '.tmp-checkpoint-crash', 'weights.bin'), 'partial');
    const resumed = await resumeRun(run.id, { runsRoot: root });
    expect(resumed.status).toBe('completed');
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    const left = fs.readdirSync(dir).sort();
    expect(left).toEqual(['checkpoint', 'model', 'run.json']);
  });

  it('a crash between the checkpoint and the run record keeps that epoch in the history', async () => {
    const config = tinyRunConfig({ epochs: 2, augment: null, backend: 'wasm' });
    const controller = new AbortController();
    const run = await trainNewRun(config, { runsRoot: root, signal: controller.signal, onEpoch: () => controller.abort() });
    expect(run.status).toBe('cancelled');
    const epoch0 = run.epochs[0];
    // The crash: epoch 0's checkpoint is on disk, the run record never got epoch 0.
    const file = path.join(root, run.id, 'run.json');
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...onDisk, epochs: [] }));
    const resumed = await resumeRun(run.id, { runsRoot: root });
    expect(resumed.status).toBe('completed');
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(resumed.epochs[0]).toEqual(epoch0);
  });

  it('a diverging run ends failed with a clear message and a readable record', async () => {
    let calls = 0;
    const run = await trainNewRun(tinyRunConfig({ epochs: 2, backend: 'wasm' }), {
      runsRoot: root,
      gradientFn: async (model) => {
        const local = localGradientFn(model, defaultLoss);
        // Healthy for the first epoch (3 steps), then the loss turns NaN.
        return { fn: async (b) => ({ ...(await local(b)), ...(++calls > 3 ? { loss: NaN } : {}) }) };
      },
    });
    expect(run.status).toBe('failed');
    expect(run.error?.what).toMatch(/diverged.*loss is NaN at step 4 \(epoch 2/);
    const onDisk = await new RunStore(root).open(run.id);
    expect(onDisk.status).toBe('failed');
    expect(onDisk.epochs).toHaveLength(1);
  });

  it('trains on a dataset folder on disk (LGG layout), records its split, refuses to resume on changed data', async () => {
    const lgg = path.join(root, 'lgg');
    await writePhantomsAsLgg(generatePhantoms({ count: 4, slicesPerCase: 4, size: 32, seed: 3 }), lgg);
    const controller = new AbortController();
    const config = tinyRunConfig({ epochs: 2, backend: 'wasm', data: { kind: 'path', path: lgg } });
    const fromDisk = await trainNewRun(config, { runsRoot: root, signal: controller.signal, onEpoch: () => controller.abort() });
    expect(fromDisk.status).toBe('cancelled');
    expect(fromDisk.data).toMatchObject({ trainSamples: 8, valSamples: 4, testSamples: 4 });
    const split = fromDisk.data!.split!;
    expect([...split.train, ...split.val, ...split.test].sort()).toEqual(
      fs
        .readdirSync(lgg)
        .filter((d) => d.startsWith('TCGA_'))
        .sort(),
    );
    // The data changed under the run: resuming refuses instead of silently training on another split.
    fs.rmSync(path.join(lgg, split.test[0]), { recursive: true });
    const changed = await resumeRun(fromDisk.id, { runsRoot: root });
    expect(changed.status).toBe('failed');
    expect(changed.error).toMatchObject({ code: 'mismatch' });
    expect(changed.error!.what).toMatch(/changed/);
    const missing = await trainNewRun(
      tinyRunConfig({ epochs: 1, backend: 'wasm', data: { kind: 'path', path: path.join(root, 'nope') } }),
      { runsRoot: root },
    );
    expect(missing.status).toBe('failed');
    expect(missing.error?.what).toBeTruthy();
  });
});
