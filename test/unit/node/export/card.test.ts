/** The model card's epoch count: what the exported weights were trained for, from the weights themselves. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelCard } from '../../../../src/node/export/card';
import { openRunSource, type RunSource } from '../../../../src/node/export/source';
import { RunStore } from '../../../../src/node/runs/store';
import { saveModelDir } from '../../../../src/node/train/checkpoint';
import { buildTrainedModel } from '../../../../src/node/train/runModel';
import { trainTinyRun } from '../../helpers/sweep';

const card = (src: RunSource) =>
  buildModelCard({
    record: src.record,
    weightsSource: src.weights,
    weightsEpochs: src.weightsEpochs,
    parameters: 1,
    prune: { requested: 0, achieved: 0, overall: 0, scope: 'global', keepFirstLast: false, batchNormReestimated: false },
    kernels: { total: 1, nonZero: 1 },
    evaluatedOn: 'val',
    counts: { trainSlices: null, valSlices: null, evaluatedSlices: null, evaluatedCases: null },
    dense: null,
    pruned: null,
    sweep: [],
    export: null,
  }).method;

describe('model card epochs', () => {
  let root: string;
  let store: RunStore;
  let id: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-card-'));
    store = new RunStore(root);
    id = await trainTinyRun(root, 'card-epochs', 'wasm');
  }, 120_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a completed run: the final weights say 1 of 1', async () => {
    const src = await openRunSource(store.paths(id).dir);
    expect(src).toMatchObject({ weights: 'final', weightsEpochs: 1 });
    expect(card(src)).toMatchObject({ epochs: 1, epochsCompleted: 1 });
  });

  it("the record's history missing an epoch (checkpointed just before a crash) does not change the count", async () => {
    await store.update(id, (r) => {
      r.epochs = [];
    });
    expect(card(await openRunSource(store.paths(id).dir))).toMatchObject({ epochs: 1, epochsCompleted: 1 });
  });

  it("exported from the checkpoint: the checkpoint's epochsDone", async () => {
    fs.renameSync(store.paths(id).model, `${store.paths(id).model}.aside`);
    try {
      const src = await openRunSource(store.paths(id).dir);
      expect(src).toMatchObject({ weights: 'checkpoint', weightsEpochs: 1 });
      expect(card(src).epochsCompleted).toBe(1);
    } finally {
      fs.renameSync(`${store.paths(id).model}.aside`, store.paths(id).model);
    }
  });

  it('weights saved untrained say 0, whatever the record claims', async () => {
    const rec = await store.open(id);
    const model = await buildTrainedModel(rec.config.model, store.trainedWeights(id)!.file);
    await saveModelDir(store.paths(id).model, model, { modelConfig: rec.config.model, epochs: 0 });
    model.dispose();
    expect(card(await openRunSource(store.paths(id).dir)).epochsCompleted).toBe(0);
  });
});
