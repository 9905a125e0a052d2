import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainNewRun } from '../../../../src/node/train/job';
import { tinyRunConfig } from '../../helpers/job';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'failed-check-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('failed-training detection in the run record', () => {
  it('a run that never leaves the empty prediction is flagged failed, with the numbers that decided it', async () => {
    // lr ~ 0: the head stays at its 1 % foreground prior, so nothing is ever predicted.
    const rec = await trainNewRun(
      tinyRunConfig({ epochs: 1, optimizer: { method: 'sgd', lr: 1e-9, momentum: 0, weightDecay: 0, varLambda: 0 } }),
      { runsRoot: root },
    );
    expect(rec.status).toBe('completed');
    expect(rec.epochs[0].valNothingCaseDice).toBe(0);
    expect(rec.epochs[0].valCaseDice).toBe(0);
    expect(rec.trainingCheck).toEqual({ verdict: 'failed', epoch: 0, valCaseDice: 0, nothingCaseDice: 0, margin: 0.05 });
    const stored = JSON.parse(fs.readFileSync(path.join(root, rec.id, 'run.json'), 'utf8'));
    expect((stored.trainingCheck ?? stored.record?.trainingCheck)?.verdict).toBe('failed');
  });
});
