import type { ResultEntry, Results, RunSummary } from '../../../src/shared/experiment/results';
import { checkTraining } from '../../../src/shared/run/trainingCheck';

/** What must not depend on how the cells were run: per cell, its training curve and every level's scores. */
export function perCell(r: Results) {
  return Object.fromEntries(
    r.runs.map((run) => [
      run.key,
      {
        epochs: run.epochs.map((e) => [e.trainLoss, e.varPenalty, e.valCaseDice]),
        levels: r.entries
          .filter((e) => e.runId === run.runId)
          .map((e) => [
            e.sparsity,
            e.overallSparsity,
            e.caseDice.mean,
            e.perCase,
            e.lesionSliceDice.mean,
            e.caseIoU.mean,
            e.hd95Pooled.mean,
          ]),
      },
    ]),
  );
}

const stats = (mean: number | null) => ({ mean, std: 0, median: mean });
const rate = { n: 0, withPrediction: 0, rate: null };
/** One SGD or SGD+VAR run's scores at one level, from its per-case Dice (ids c0, c1, ...). */
export function entry(varLambda: number, seed: number, sparsity: number, perCase: number[]): ResultEntry {
  const mean = perCase.reduce((a, b) => a + b, 0) / perCase.length;
  const group = varLambda ? 'sgd-var' : 'sgd';
  return {
    run: `${group} s${seed}`,
    runId: `${group}-s${seed}`,
    group,
    label: varLambda ? 'SGD+VAR' : 'SGD',
    optimizer: 'sgd',
    varLambda,
    seed,
    sparsity,
    overallSparsity: sparsity,
    slices: 10,
    cases: perCase.length,
    lesionCases: perCase.length,
    caseDice: stats(mean),
    perCase: perCase.map((dice, i) => ({ caseId: `c${i}`, dice })),
    lesionSliceDice: { ...stats(mean), n: 5 },
    caseIoU: stats(mean),
    hd95Pooled: stats(1),
    hd95MaxDirected: stats(1),
    hd95Unit: 'px',
    falsePositiveEmptySlices: rate,
    falsePositiveEmptyCases: rate,
    backend: 'cpu',
    trainSeconds: 1,
    sweepSeconds: 1,
  };
}
/** The run record summary of an entry's run: learned, or failed training. */
export function run(e: ResultEntry, verdict: 'learned' | 'failed'): RunSummary {
  return {
    key: e.runId,
    runId: e.runId,
    name: e.run,
    group: e.group,
    label: e.label,
    optimizer: 'sgd',
    varLambda: e.varLambda,
    seed: e.seed,
    status: 'completed',
    backend: 'cpu',
    trainSeconds: 1,
    sweepSeconds: 1,
    finalValCaseDice: verdict === 'failed' ? 0 : 0.8,
    trainingCheck: checkTraining(3, verdict === 'failed' ? 0 : 0.8, 0),
    weights: { count: 1, std: 1, fracBelow1e3: 0 },
    epochs: [],
  };
}
