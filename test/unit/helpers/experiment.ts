import type { Results } from '../../../src/shared/experiment/results';

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
