/**
 * A channel-family experiment asks only for levels its model can reach: the default levels (the
 * unstructured grid, up to 98 %) are refused for it when the plan is made, before any cell trains,
 * with the model's maximum and what to give instead; levels within reach are planned.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentPreset } from '../../../../src/shared/experiment/presets';
import { parseExperimentConfig } from '../../../../src/shared/experiment/config';
import { DEFAULT_LEVELS } from '../../../../src/shared/sweep/config';
import { ensurePlan, experimentPaths } from '../../../../src/node/experiment/state';
import { runExperiment } from '../../../../src/node/experiment';

const root = mkdtempSync(join(tmpdir(), 'channel-levels-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const channel = (sweep: object) =>
  parseExperimentConfig({ ...experimentPreset('tiny'), sweep: { family: 'channel', scorer: 'tfjs', split: 'test', ...sweep } });

describe('channel-family experiment levels', () => {
  it('refuses the default levels before anything is planned or trained, naming the maximum and the way out', async () => {
    const config = channel({});
    expect(config.sweep.levels).toEqual(DEFAULT_LEVELS);
    const out = join(root, 'defaults');
    await expect(runExperiment(config, { out })).rejects.toMatchObject({
      code: 'bad-input',
      what: expect.stringMatching(
        /^Channel pruning can remove at most 9\d\.\d % of this model's weights, not (\d+\.\d %, )*98\.0 % \(sweep\.levels was left at the default levels, which are made for the unstructured family: give the channel sweep its own levels/,
      ),
      hint: expect.stringMatching(/choose levels up to 9\d\.0 %/),
    });
    expect(existsSync(experimentPaths(out).plan)).toBe(false);
    expect(existsSync(join(out, 'runs'))).toBe(false);
    // Given levels above the maximum (FLOPs) are refused too, without the note on defaults.
    await expect(
      ensurePlan(experimentPaths(join(root, 'flops')), channel({ channelTarget: 'flops', levels: [0, 0.5, 0.99] })),
    ).rejects.toMatchObject({ what: expect.stringMatching(/FLOPs, not 99\.0 % \(sweep\.levels\)$/) });
  });

  it('plans levels within reach, and leaves the unstructured family alone', async () => {
    await expect(ensurePlan(experimentPaths(join(root, 'ok')), channel({ levels: [0, 0.5, 0.9] }))).resolves.toMatchObject({
      created: true,
    });
    await expect(ensurePlan(experimentPaths(join(root, 'plain')), experimentPreset('tiny'))).resolves.toMatchObject({ created: true });
  });
});
