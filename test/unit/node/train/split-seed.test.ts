import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunSamples } from '../../../../src/node/train/data';
import { trainNewRun } from '../../../../src/node/train/job';
import { parseExperimentConfig } from '../../../../src/shared/experiment/config';
import { expandGrid } from '../../../../src/shared/experiment/grid';
import { parseRunConfig, splitSeed } from '../../../../src/shared/run/config';
import { tinyRunConfig } from '../../helpers/job';

const experiment = (over: Record<string, unknown> = {}) =>
  parseExperimentConfig({
    name: 'split',
    description: 'split test',
    data: { kind: 'phantoms', count: 12, slicesPerCase: 2, size: 16, seed: 5 },
    split: { train: 0.5, val: 0.25, test: 0.25 },
    model: { preset: 'reference', encoder: 'basic1', widthMultiplier: 0.25, inputSize: 16, inChannels: 3, seed: 1 },
    epochs: 1,
    batchSize: 2,
    optimizer: { lr: 0.05 },
    methods: ['sgd'],
    varLambdas: [0, 1e-4],
    seeds: [1, 2, 3, 4],
    ...over,
  });

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'split-seed-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the patient split follows the data seed, never the run seed', () => {
  it('every cell of an experiment (seeds 1..4, with and without VAR) gets the same patients', async () => {
    const cells = expandGrid(experiment());
    expect(new Set(cells.map((c) => c.run.seed)).size).toBe(4);
    const splits = await Promise.all(cells.map(async (c) => (await loadRunSamples(parseRunConfig(c.run))).split));
    for (const s of splits) expect(s).toEqual(splits[0]);
    expect(splits[0].test.length).toBeGreaterThan(0);
  });

  it('another data seed gives another split', async () => {
    const a = (await loadRunSamples(parseRunConfig(expandGrid(experiment({ dataSeed: 0 }))[0].run))).split;
    const b = (await loadRunSamples(parseRunConfig(expandGrid(experiment({ dataSeed: 1 }))[0].run))).split;
    expect(b).not.toEqual(a);
    expect([...b.train, ...b.val, ...b.test].sort()).toEqual([...a.train, ...a.val, ...a.test].sort());
  });

  it('a new run records its data seed and its split; an old config without one keeps its run-seed split', async () => {
    const rec = await trainNewRun(tinyRunConfig({ epochs: 1, seed: 9 }), { runsRoot: root });
    expect(rec.config.dataSeed).toBe(0);
    const other = await trainNewRun(tinyRunConfig({ epochs: 1, seed: 10 }), { runsRoot: root });
    expect(rec.data?.split).toBeDefined();
    expect(other.data?.split).toEqual(rec.data?.split);
    const stored = JSON.parse(fs.readFileSync(path.join(root, rec.id, 'run.json'), 'utf8'));
    expect(stored.config?.dataSeed ?? stored.dataSeed).toBe(0);
    expect(splitSeed(parseRunConfig({ ...tinyRunConfig({ seed: 9 }) }))).toBe(9);
  });
});
