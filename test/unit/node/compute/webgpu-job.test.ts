/**
 * A training job on the webgpu rung when the GPU fails: an allocation beyond the adapter's
 * limits (out of memory), a lost device, and an uncaptured GPU error each end the run as
 * "failed" with a message saying what happened, keep the last end-of-epoch checkpoint, and the
 * run resumes from it (on a fresh device, in the same process) to completion.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/node/compute/backend';
import { assertWebgpuHealthy, webgpuDevice } from '../../../../src/node/compute/webgpu';
import { RunStore } from '../../../../src/node/runs/store';
import { resumeRun, trainNewRun } from '../../../../src/node/train/job';
import { backendLabel } from '../../../../src/shared/backend';
import { StudioError } from '../../../../src/shared/errors';
import type { RunConfig } from '../../../../src/shared/run/config';
import { defaultLoss, localGradientFn, type GradientFn } from '../../../../src/shared/train';
import { tinyRunConfig } from '../../helpers/job';
import { CI, webgpuAvailability } from '../../helpers/webgpu';

const gpu = await webgpuAvailability();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-job-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// 8 training slices (2 phantom cases x 4), batch 4: 2 steps per epoch; the failure comes in epoch 2 (step 3).
const config = (name: string) => tinyRunConfig({ name, epochs: 2, batchSize: 4, backend: 'webgpu' });

/** The studio's gradient, with `fail()` run before step `at` (1-based). */
function failingAt(at: number, fail: () => void) {
  return async (model: tf.LayersModel, _config: RunConfig) => {
    const fn = localGradientFn(model, defaultLoss);
    let step = 0;
    const wrapped: GradientFn = async (batch) => {
      if (++step === at) fail();
      return fn(batch);
    };
    return { fn: wrapped };
  };
}

async function checkpointEpochs(runId: string): Promise<number> {
  const state = JSON.parse(fs.readFileSync(path.join(new RunStore(root).paths(runId).checkpoint, 'state.json'), 'utf8')) as {
    epochsDone: number;
  };
  return state.epochsDone;
}

describe.skipIf(!gpu.ok && !CI)('webgpu job failures end cleanly and resume', () => {
  beforeAll(async () => {
    if (!gpu.ok) throw new Error(gpu.reason);
    const info = await initBackend('webgpu', { log: () => {} });
    expect(info.name).toBe('webgpu');
  });

  it('a tensor beyond the adapter limit: failed "too-large", checkpoint kept, resumes to completion', async () => {
    const limit = webgpuDevice()!.limits.maxStorageBufferBindingSize;
    const run = await trainNewRun(config('oom'), {
      runsRoot: root,
      // an activation one float larger than the adapter can bind, like an oversized batch or image
      gradientFn: failingAt(3, () => tf.tidy(() => tf.add(tf.zeros([limit / 4 + 1]), 1))),
    });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('too-large');
    expect(run.error?.what).toMatch(/The GPU cannot hold one (tensor|buffer) of \d+ MiB: the adapter's max\w+ is \d+ MiB/);
    expect(run.error?.hint).toMatch(/Resume the run from its last checkpoint/);
    expect(run.backend.adapter?.description).toBeTruthy();
    expect(backendLabel(run.backend)).toMatch(/^webgpu \(/);
    expect(run.epochs).toHaveLength(1);
    expect(await checkpointEpochs(run.id)).toBe(1);
    const resumed = await resumeRun(run.id, { runsRoot: root });
    expect(resumed.status).toBe('completed');
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([0, 1]);
  });

  it('a lost device: failed with "device was lost", then resumes on a new device', async () => {
    const run = await trainNewRun(config('lost'), { runsRoot: root, gradientFn: failingAt(3, () => webgpuDevice()!.destroy()) });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'backend' });
    expect(run.error?.what).toMatch(/The GPU device was lost/);
    expect(run.error?.hint).toMatch(/resume it/);
    expect(await checkpointEpochs(run.id)).toBe(1);
    const before = webgpuDevice();
    const resumed = await resumeRun(run.id, { runsRoot: root });
    expect(resumed.status).toBe('completed');
    expect(webgpuDevice()).not.toBe(before);
    expect(resumed.epochs.every((e) => Number.isFinite(e.trainLoss))).toBe(true);
  });

  it('an uncaptured GPU error fails the job instead of letting it continue on garbage', async () => {
    const run = await trainNewRun(config('validation'), {
      runsRoot: root,
      gradientFn: failingAt(3, () => {
        // an invalid buffer (no usage): Dawn reports it asynchronously as a validation error
        (webgpuDevice() as unknown as { createBuffer(d: object): unknown }).createBuffer({ size: 16, usage: 0 });
      }),
    });
    expect(run.status).toBe('failed');
    expect(run.error?.what).toMatch(/The GPU reported an error, so its results cannot be trusted \(GPUValidationError/);
    expect(() => assertWebgpuHealthy()).toThrow(StudioError);
    const resumed = await resumeRun(run.id, { runsRoot: root });
    expect(resumed.status).toBe('completed');
  });
});
