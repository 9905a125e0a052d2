import { modelPreset } from '../../../src/shared/model/config';
import type { RunConfigInput } from '../../../src/shared/run/config';

/** A run small enough for unit tests: 16x16 reference UNet at width 1/4, a few phantom slices. */
export function tinyRunConfig(overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    name: 'tiny',
    model: modelPreset('reference', { widthMultiplier: 0.25, inputSize: 16 }),
    optimizer: { method: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4, varLambda: 1e-4 },
    epochs: 3,
    batchSize: 3,
    seed: 7,
    data: { kind: 'phantoms', count: 4, slicesPerCase: 4, size: 32, seed: 3 },
    split: { train: 0.5, val: 0.25, test: 0.25 },
    backend: 'cpu',
    ...overrides,
  };
}
