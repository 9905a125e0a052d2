/**
 * The trained model the edge benches measure (bench/families.ts, bench/quantize.ts): the
 * `reference` preset (128x128x3) trained with SGD on 12 phantom cases of 12 slices on wasm, so
 * their numbers are about the same network and data. Needs the backend initialised.
 */
import { trainNewRun } from '../src/node/train/job';
import { modelPreset } from '../src/shared/model';

/** Trains a new run named `name` under `runsRoot` for `epochs` epochs and returns its id. */
export async function trainReferenceRun(name: string, runsRoot: string, epochs: number): Promise<string> {
  const rec = await trainNewRun(
    {
      name,
      model: modelPreset('reference'),
      optimizer: { method: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4, varLambda: 0 },
      epochs,
      batchSize: 8,
      seed: 1,
      data: { kind: 'phantoms', count: 12, slicesPerCase: 12, size: 128, seed: 5 },
      split: { train: 0.5, val: 0.25, test: 0.25 },
      backend: 'wasm',
    },
    { runsRoot },
  );
  if (rec.status !== 'completed') throw new Error(`training failed: ${JSON.stringify(rec.error)}`);
  return rec.id;
}
