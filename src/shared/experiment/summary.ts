import type { Group, ResultEntry, RunSummary } from './results';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const sampleStd = (xs: number[]) => {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, v) => a + (v - m) ** 2, 0) / (xs.length - 1));
};

/**
 * Groups (method + lambda), failed trainings left out, with, per level, the mean over seeds of each run's mean per-case Dice
 * and the spread over seeds. With one seed the spread over seeds is undefined; the standard error
 * over cases is then the only band, and it is labelled as such.
 */
export function groupEntries(allEntries: ResultEntry[], runs: RunSummary[] = []): Group[] {
  // A failed training is never averaged in; the group names it instead.
  const failed = new Set(runs.filter((r) => r.trainingCheck?.verdict === 'failed').map((r) => r.runId));
  const groups = new Map<string, ResultEntry[]>();
  for (const e of allEntries) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  return [...groups.values()].map((all) => {
    const first = all[0];
    const list = all.filter((e) => !failed.has(e.runId));
    const levels = [...new Set(list.map((e) => e.sparsity))].sort((a, b) => a - b);
    return {
      group: first.group,
      label: first.label,
      optimizer: first.optimizer,
      varLambda: first.varLambda,
      runIds: [...new Set(list.map((e) => e.runId))],
      excludedRunIds: [...new Set(all.filter((e) => failed.has(e.runId)).map((e) => e.runId))],
      levels: levels.map((sparsity) => {
        const at = list.filter((e) => e.sparsity === sparsity);
        const dice = at.flatMap((e) => (e.caseDice.mean === null ? [] : [e.caseDice.mean]));
        const lesion = at.flatMap((e) => (e.lesionSliceDice.mean === null ? [] : [e.lesionSliceDice.mean]));
        const sems = at.flatMap((e) => (e.caseDice.std === null || e.lesionCases < 2 ? [] : [e.caseDice.std / Math.sqrt(e.lesionCases)]));
        return {
          sparsity,
          seeds: dice.length,
          caseDiceMean: mean(dice),
          caseDiceStdSeeds: sampleStd(dice),
          caseDiceMin: dice.length ? Math.min(...dice) : null,
          caseDiceMax: dice.length ? Math.max(...dice) : null,
          caseDiceSemCases: mean(sems),
          lesionSliceDiceMean: mean(lesion),
        };
      }),
    };
  });
}
