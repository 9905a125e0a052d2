import { compareGroups, findings } from '../../../src/shared/experiment/compare';
import { experimentPreset } from '../../../src/shared/experiment/presets';
import { RESULTS_VERSION, type ResultEntry, type Results, type RunSummary } from '../../../src/shared/experiment/results';
import { groupEntries } from '../../../src/shared/experiment/summary';
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

/**
 * A results.json object (not yet parsed) from entries of learned runs at one level: the comparisons
 * and findings computed as the experiment computes them, the rest fixed.
 */
export function resultsOf(entries: ResultEntry[], version: number = RESULTS_VERSION) {
  const levels = [...new Set(entries.map((e) => e.sparsity))];
  const runs = [...new Map(entries.map((e) => [e.runId, run(e, 'learned')] as const)).values()];
  const comparisons = compareGroups(entries, runs);
  const config = experimentPreset('tiny');
  return {
    version,
    experiment: { name: 'test', config: { ...config, sweep: { ...config.sweep, levels } } },
    status: 'completed',
    createdAt: '2026-12-01T00:00:00Z',
    finishedAt: '2026-12-01T00:01:00Z',
    host: { cpus: 2, loadAverage: [0, 0, 0], platform: 'linux', node: 'v20' },
    backend: { name: 'cpu', detail: 'test' },
    stages: [],
    totalSeconds: 60,
    runs,
    groups: groupEntries(entries, runs),
    entries,
    comparisons,
    findings: findings(comparisons, levels),
  };
}
