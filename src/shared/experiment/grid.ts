import type { RunConfig } from '../run/config';
import { formatLambda, methodLabel, type OptimizerMethod } from '../train/optimizerConfig';
import type { ExperimentConfig } from './config';

/** One cell of the experiment grid: a run to train. */
export interface GridCell {
  /** Stable key of the cell (the resume state is keyed by it). */
  key: string;
  /** Method and lambda without the seed: cells of one group are averaged over seeds. */
  group: string;
  /** Human label of the group, e.g. "SGD+VAR (λ 1e-4)". */
  label: string;
  method: OptimizerMethod;
  varLambda: number;
  seed: number;
  run: RunConfig;
}

export function groupLabel(method: OptimizerMethod, varLambda: number, multipleLambdas: boolean): string {
  return methodLabel(method, varLambda, multipleLambdas);
}

/**
 * Methods x lambdas x seeds, in that nesting order (so with one seed the runs alternate
 * plain / VAR per method). Every cell shares data, patient split (the experiment's dataSeed),
 * schedule and epochs; the seed sets the model initialisation and the run's streams (order,
 * augmentation, optimizer draws), so seeds are replicates on the same patients.
 */
export function expandGrid(config: ExperimentConfig): GridCell[] {
  const nonZero = config.varLambdas.filter((l) => l > 0).length;
  const cells: GridCell[] = [];
  for (const method of config.methods) {
    for (const varLambda of config.varLambdas) {
      const group = `${method}-l${formatLambda(varLambda)}`;
      const label = groupLabel(method, varLambda, nonZero > 1);
      for (const seed of config.seeds) {
        const { cramSparsities, ...shared } = config.optimizer;
        cells.push({
          key: `${group}-s${seed}`,
          group,
          label,
          method,
          varLambda,
          seed,
          run: {
            name: `${config.name} ${label} seed ${seed}`.slice(0, 200),
            model: { ...config.model, seed },
            optimizer: { ...shared, method, varLambda, cramSparsities: method.startsWith('cram') ? cramSparsities : [] },
            epochs: config.epochs,
            batchSize: config.batchSize,
            schedule: config.schedule,
            augment: config.augment,
            seed,
            dataSeed: config.dataSeed,
            data: config.data,
            split: config.split,
            backend: config.backend,
            workers: config.workers,
          },
        });
      }
    }
  }
  return cells;
}
