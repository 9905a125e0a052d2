/**
 * The trained model the edge benches measure (bench/families.ts, bench/quantize.ts): the
 * `reference` preset (128x128x3) trained with SGD on wasm, so their numbers are about the same
 * network and data. Its data scale and schedule are the demo's (src/shared/experiment/presets.ts:
 * 24 phantom cases of 12 slices, here at 128 px, 70/15/15 patient split, lr 0.05 with 5 % warm-up then cosine decay,
 * momentum 0.9, weight decay 1e-4), the setting whose SGD runs all learned (validation per-case
 * Dice 0.74-0.91 over the science preset's five seeds). On 12 cases with a 50/25/25 split (6
 * training patients, 9 steps an epoch) the reference's validation Dice fell from 0.83 after
 * epoch 2 to 0.47 after epoch 8 (docs/pruning-families.md). Needs the backend initialised.
 */
import { trainNewRun } from '../src/node/train/job';
import { modelPreset } from '../src/shared/model';
import type { RunRecord } from '../src/shared/run/record';

/** Trains a new run named `name` under `runsRoot` for `epochs` epochs and returns its record (validation Dice per epoch in `epochs`). */
export async function trainReferenceRun(name: string, runsRoot: string, epochs: number, log?: (s: string) => void): Promise<RunRecord> {
  const rec = await trainNewRun(
    {
      name,
      model: modelPreset('reference'),
      optimizer: { method: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4, varLambda: 0 },
      schedule: { kind: 'cosine', warmupFraction: 0.05 },
      epochs,
      batchSize: 8,
      seed: 1,
      data: { kind: 'phantoms', count: 24, slicesPerCase: 12, size: 128, seed: 5 },
      split: { train: 0.7, val: 0.15, test: 0.15 },
      backend: 'wasm',
    },
    {
      runsRoot,
      onEpoch: (e) =>
        log?.(
          `epoch ${e.record.epoch + 1}/${e.epochs}: loss ${e.record.trainLoss.toFixed(4)}, val per-case Dice ${e.record.valCaseDice?.toFixed(3) ?? '–'} (${e.record.seconds.toFixed(0)} s)`,
        ),
    },
  );
  if (rec.status !== 'completed') throw new Error(`training failed: ${JSON.stringify(rec.error)}`);
  return rec;
}
