import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../../src/node/runs/store';
import { resumeTraining, startTraining } from '../../../../src/node/train/host';
import type { TrainEpochEvent, TrainProgress } from '../../../../src/shared/run/events';
import { tinyRunConfig } from '../../helpers/job';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'job-worker-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('training in a child process', () => {
  it('streams progress, cancels to a kept checkpoint, and resumes to completion', async () => {
    const config = tinyRunConfig({ epochs: 6, backend: 'wasm' });
    const progress: TrainProgress[] = [];
    const epochs: TrainEpochEvent[] = [];
    const handle = startTraining(config, {
      runsRoot: root,
      progress: { report: (p) => progress.push(p) },
      onEpoch: (e) => {
        epochs.push(e);
        if (epochs.length === 1) handle.cancel();
      },
    });
    const cancelled = await handle.done;
    expect(cancelled.id).toBe(handle.runId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.backend.name).toBe('wasm');
    expect(cancelled.epochs.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.epochs.length).toBeLessThan(6);
    expect(fs.existsSync(path.join(root, handle.runId, 'checkpoint', 'state.json'))).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    const p = progress.at(-1)!;
    expect(p.runId).toBe(handle.runId);
    expect(p.fraction).toBeGreaterThan(0);
    expect(p.imagesPerSec).toBeGreaterThan(0);
    expect(Number.isFinite(p.loss) && Number.isFinite(p.lr) && Number.isFinite(p.etaSeconds)).toBe(true);
    expect(epochs[0].record.weightStats.global.histogram.counts.length).toBe(
      epochs[0].record.weightStats.global.histogram.edges.length - 1,
    );

    const resumedEpochs: number[] = [];
    const resumed = resumeTraining(handle.runId, { runsRoot: root, onEpoch: (e) => resumedEpochs.push(e.record.epoch) });
    const rec = await resumed.done;
    expect(rec.status).toBe('completed');
    expect(rec.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(resumedEpochs[0]).toBe(cancelled.epochs.length);
    expect(fs.existsSync(path.join(root, handle.runId, 'model', 'weights.bin'))).toBe(true);
  });

  it('a crashed worker marks the run failed with a message, and a new run still works', async () => {
    let killed: Promise<void> | undefined;
    const handle = startTraining(tinyRunConfig({ name: 'crash', epochs: 50, backend: 'wasm' }), {
      runsRoot: root,
      progress: {
        report: () => {
          killed ??= handle.terminate();
        },
      },
    });
    const rec = await handle.done;
    await killed;
    expect(rec.status).toBe('failed');
    expect(rec.error?.what).toMatch(/training process/i);
    const onDisk = await new RunStore(root).open(handle.runId);
    expect(onDisk.status).toBe('failed');
    expect(onDisk.error?.hint).toMatch(/Resume/);

    const next = startTraining(tinyRunConfig({ name: 'after-crash', epochs: 1, backend: 'wasm' }), { runsRoot: root });
    expect((await next.done).status).toBe('completed');
  });

  it('an invalid run fails before a process starts, with a StudioError', () => {
    expect(() => startTraining({ ...tinyRunConfig(), epochs: 0 }, { runsRoot: root })).toThrow(/epochs/);
  });
});
