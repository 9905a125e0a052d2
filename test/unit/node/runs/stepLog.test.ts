import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStepLogWriter, readStepLog, STEP_LOG } from '../../../../src/node/runs/stepLog';

const progress = (step: number, loss: number) => ({ runId: 'r', epoch: Math.floor((step - 1) / 4), step, totalSteps: 8, fraction: step / 8, loss, lr: 0.1, imagesPerSec: 1, etaSeconds: 1 });

describe('run step log', () => {
  it('keeps the points in order, skips a torn line, and lets a resume supersede redone steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steplog-'));
    expect(await readStepLog(dir)).toEqual([]);
    const write = createStepLogWriter(dir);
    for (const s of [1, 2, 3, 4, 5, 6]) void write(progress(s, 1 / s));
    await write(progress(7, 0.1));
    appendFileSync(join(dir, STEP_LOG), '{"step": 8, "tot'); // cut by a crash
    appendFileSync(join(dir, STEP_LOG), '\n');
    // Resumed from the checkpoint after epoch 1 (step 4): steps 5.. are redone with new losses.
    for (const s of [5, 6, 7, 8]) await write(progress(s, 0.5));
    const points = await readStepLog(dir);
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(points.slice(4).map((p) => p.loss)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(points[0]).toEqual({ step: 1, totalSteps: 8, epoch: 0, loss: 1 });
  });
});
