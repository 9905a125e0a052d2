import { meanInterval } from '../stats/mean';
import type { Group, ResultEntry, RunSummary } from './results';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const sampleStd = (xs: number[]) => {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, v) => a + (v - m) ** 2, 0) / (xs.length - 1));
};

/**
 * Groups (method + lambda), failed trainings left out, with, per level, the mean over seeds of each run's mean per-case Dice,
 * the spread over seeds and the 95 % interval of that mean: over the seeds, or with one seed left
 * over that run's cases (it then does not cover seed-to-seed variation, and says so).
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
        // The interval the charts draw: over seeds when there are several, else over the one run's cases.
        const scored = at.filter((e) => e.caseDice.mean !== null);
        const ciOver =
          scored.length >= 2
            ? meanInterval(dice, 'seeds', { bounds: [0, 1] })
            : scored.length === 1
              ? meanInterval(
                  scored[0].perCase.flatMap((c) => (c.dice === null ? [] : [c.dice])),
                  'cases',
                  { bounds: [0, 1] },
                )
              : undefined;
        const sems = at.flatMap((e) => (e.caseDice.std === null || e.lesionCases < 2 ? [] : [e.caseDice.std / Math.sqrt(e.lesionCases)]));
        return {
          sparsity,
          seeds: dice.length,
          caseDiceMean: mean(dice),
          caseDiceStdSeeds: sampleStd(dice),
          caseDiceMin: dice.length ? Math.min(...dice) : null,
          caseDiceMax: dice.length ? Math.max(...dice) : null,
          caseDiceSemCases: mean(sems),
          caseDiceCi: ciOver ? { n: ciOver.n, lo: ciOver.lo, hi: ciOver.hi, over: ciOver.over } : null,
          lesionSliceDiceMean: mean(lesion),
        };
      }),
    };
  });
}
