import type { Group, ResultEntry } from './results';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const sampleStd = (xs: number[]) => {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, v) => a + (v - m) ** 2, 0) / (xs.length - 1));
};

/**
 * Groups (method + lambda) with, per level, the mean over seeds of each run's mean per-case Dice
 * and the spread over seeds. With one seed the spread over seeds is undefined; the standard error
 * over cases is then the only band, and it is labelled as such.
 */
export function groupEntries(entries: ResultEntry[]): Group[] {
  const groups = new Map<string, ResultEntry[]>();
  for (const e of entries) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  return [...groups.values()].map((list) => {
    const first = list[0];
    const levels = [...new Set(list.map((e) => e.sparsity))].sort((a, b) => a - b);
    return {
      group: first.group,
      label: first.label,
      optimizer: first.optimizer,
      varLambda: first.varLambda,
      runIds: [...new Set(list.map((e) => e.runId))],
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

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
const f2 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
/** +0.05, -0.03, and 0.00 rather than -0.00. */
const signed = (x: number) => {
  const r = Math.round(x * 100) / 100;
  return r === 0 ? '0.00' : `${r > 0 ? '+' : ''}${r.toFixed(2)}`;
};

/**
 * A difference counts as clear when it is at least 0.05 Dice and larger than twice the spread
 * (over seeds when there are several, else the standard error over slices) of both groups.
 */
export function isClear(diff: number, spreadA: number | null, spreadB: number | null): boolean {
  const s = Math.max(spreadA ?? 0, spreadB ?? 0);
  return diff >= 0.05 && diff > 2 * s;
}

/** Plain statements comparing each method with and without VAR at the headline levels. */
export function findings(groups: Group[], headlineLevels: number[]): string[] {
  const out: string[] = [];
  const spread = (l: Group['levels'][number]) => l.caseDiceStdSeeds ?? l.caseDiceSemCases;
  for (const plain of groups.filter((g) => g.varLambda === 0)) {
    for (const withVar of groups.filter((g) => g.optimizer === plain.optimizer && g.varLambda > 0)) {
      for (const level of headlineLevels) {
        const a = plain.levels.find((l) => l.sparsity === level);
        const b = withVar.levels.find((l) => l.sparsity === level);
        if (!a || !b || a.caseDiceMean === null || b.caseDiceMean === null) continue;
        const diff = b.caseDiceMean - a.caseDiceMean;
        const verdict = isClear(diff, spread(a), spread(b))
          ? 'clearly higher'
          : isClear(-diff, spread(a), spread(b))
            ? 'clearly LOWER'
            : 'not clearly different';
        // A gap that is already there before pruning is a training difference, not robustness to pruning.
        const da = plain.levels.find((l) => l.sparsity === 0)?.caseDiceMean ?? null;
        const db = withVar.levels.find((l) => l.sparsity === 0)?.caseDiceMean ?? null;
        const dense = da !== null && db !== null && Math.abs(db - da) >= 0.05 ? ` Caution: the dense models already differ (${f2(db)} against ${f2(da)} at 0 %), so this gap is not a pruning effect.` : '';
        out.push(
          `At ${pct(level)} global sparsity ${withVar.label} keeps per-case Dice ${f2(b.caseDiceMean)} against ${f2(a.caseDiceMean)} for ${plain.label} (${signed(diff)}): ${verdict}` +
            `; lesion-slice Dice ${f2(b.lesionSliceDiceMean)} against ${f2(a.lesionSliceDiceMean)}.${dense}`,
        );
      }
    }
  }
  return out;
}
