/**
 * The experiment's comparisons and findings, computed from this run's records only: for every
 * method with VAR against the same method without it, at every level, the per-seed paired
 * differences of the headline (mean per-case Dice), their mean, a 95 % interval and the verdict
 * word that the interval and the pairs give (src/shared/stats verdictOf). A run whose training
 * failed (no better than predicting no lesion) is never averaged in: its seed's pair is left out
 * and named.
 */
import { bootstrapInterval, MIN_BOOTSTRAP_CASES, tInterval, verdictDiffers, verdictOf } from '../stats';
import type { Comparison, Finding, ResultEntry, RunSummary } from './results';
import { plural } from '../format/plural';
import { levelInWords, type LevelMeaning } from '../sweep/levels';
import type { SweepConfig } from '../sweep/config';

const f2 = (x: number) => x.toFixed(2);
const signed = (x: number) => {
  const r = Math.round(x * 100) / 100;
  return r === 0 ? '0.00' : `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(2)}`;
};

/** Every (plain, VAR) pair of groups of one optimizer, at every level both have. */
export function compareGroups(entries: ResultEntry[], runs: RunSummary[]): Comparison[] {
  const failed = new Map(runs.filter((r) => r.trainingCheck?.verdict === 'failed').map((r) => [r.runId, r] as const));
  const groups = new Map<string, ResultEntry[]>();
  for (const e of entries) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  const firsts = [...groups.values()].map((g) => g[0]);
  const out: Comparison[] = [];
  for (const plain of firsts.filter((g) => g.varLambda === 0)) {
    for (const withVar of firsts.filter((g) => g.optimizer === plain.optimizer && g.varLambda > 0)) {
      const a = groups.get(plain.group)!;
      const b = groups.get(withVar.group)!;
      const levels = [...new Set(a.map((e) => e.sparsity))].filter((s) => b.some((e) => e.sparsity === s)).sort((x, y) => x - y);
      for (const sparsity of levels) {
        const perSeed: Comparison['perSeed'] = [];
        const excluded: Comparison['excluded'] = [];
        const pairs: [ResultEntry, ResultEntry][] = [];
        for (const ea of a.filter((e) => e.sparsity === sparsity)) {
          const eb = b.find((e) => e.sparsity === sparsity && e.seed === ea.seed);
          if (!eb) continue;
          const bad = [ea, eb].filter((e) => failed.has(e.runId));
          if (bad.length) {
            for (const e of bad)
              excluded.push({
                seed: e.seed,
                runId: e.runId,
                label: e.label,
                reason: 'failed training: no better than predicting no lesion',
              });
            continue;
          }
          if (ea.caseDice.mean === null || eb.caseDice.mean === null) {
            excluded.push({ seed: ea.seed, runId: eb.runId, label: eb.label, reason: 'no case with a lesion in the scored split' });
            continue;
          }
          perSeed.push({ seed: ea.seed, without: ea.caseDice.mean, with: eb.caseDice.mean, diff: eb.caseDice.mean - ea.caseDice.mean });
          pairs.push([ea, eb]);
        }
        let interval: Comparison['interval'] = null;
        if (perSeed.length >= 2) interval = tInterval(perSeed.map((p) => p.diff));
        else if (perSeed.length === 1) {
          const [ea, eb] = pairs[0];
          const byCase = new Map(eb.perCase.map((c) => [c.caseId, c.dice] as const));
          const matched = ea.perCase.flatMap((c) => {
            const d = byCase.get(c.caseId);
            return c.dice === null || d === undefined || d === null ? [] : [[c.dice, d] as const];
          });
          if (matched.length)
            interval = bootstrapInterval(
              matched.map((m) => m[0]),
              matched.map((m) => m[1]),
            );
        }
        out.push({
          optimizer: plain.optimizer,
          varLambda: withVar.varLambda,
          without: { group: plain.group, label: plain.label },
          with: { group: withVar.group, label: withVar.label },
          sparsity,
          perSeed,
          excluded,
          interval,
          verdict: interval ? verdictOf(interval, perSeed) : null,
        });
      }
    }
  }
  return out;
}

/**
 * One plain-language finding per comparison at the headline levels, numbers from the comparison;
 * `sweep` says what a level counts (sparsity, or weights removed with their channels).
 */
export function findings(
  comparisons: Comparison[],
  headlineLevels: number[],
  sweep: LevelMeaning & Pick<SweepConfig, 'scope'> = { family: 'unstructured', scope: 'global' },
): Finding[] {
  const at = (level: number) => levelInWords(level, sweep);
  return comparisons
    .filter((c) => headlineLevels.includes(c.sparsity))
    .map((c) => {
      const dense = comparisons.find((d) => d.sparsity === 0 && d.with.group === c.with.group && d.without.group === c.without.group);
      const excluded = c.excluded.length
        ? ` Left out: ${c.excluded.map((e) => `${e.label} seed ${e.seed} (${e.reason})`).join('; ')}.`
        : '';
      if (!c.interval) {
        return {
          sparsity: c.sparsity,
          with: c.with.group,
          without: c.without.group,
          verdict: null,
          text: `At ${at(c.sparsity)} there is no pair of ${c.with.label} and ${c.without.label} runs to compare.${excluded}`,
        };
      }
      const i = c.interval;
      const how =
        i.method === 't-over-seeds'
          ? `Student t over ${i.n} seeds`
          : `one seed: patient-level bootstrap over ${plural(i.n, 'case')}, which does not cover seed-to-seed variation`;
      const seeds = c.perSeed.map((p) => `${f2(p.with)} vs ${f2(p.without)}`).join(', ');
      const denseNote =
        dense?.interval && c.sparsity > 0 && verdictDiffers(dense.verdict) && c.verdict !== 'both fail'
          ? ` The dense models already differ (${signed(dense.interval.mean)} at 0 %), so part of this gap is not a pruning effect.`
          : '';
      const tooFew =
        c.verdict === 'too few cases to judge'
          ? ` A bootstrap over fewer than ${MIN_BOOTSTRAP_CASES} cases cannot place the interval's 2.5 % tails; run two or more seeds, or score more cases.`
          : '';
      const bothFail =
        c.verdict === 'both fail'
          ? ' Both networks score a per-case Dice of exactly 0 on every case with a lesion (no predicted pixel on any lesion): both are broken at this level, and the zero difference says nothing about VAR.'
          : '';
      return {
        sparsity: c.sparsity,
        with: c.with.group,
        without: c.without.group,
        verdict: c.verdict,
        text:
          `At ${at(c.sparsity)}, ${c.with.label} minus ${c.without.label}: mean per-case Dice difference ${signed(i.mean)} ` +
          `(95 % CI ${signed(i.lo)} to ${signed(i.hi)}, ${how}; per seed ${seeds}): ${c.verdict}.${bothFail}${tooFew}${denseNote}${excluded}`,
      };
    });
}
