import type { SweepRecord } from './result';

export interface FragileSlice {
  caseId: string;
  index: number;
  /** Dice at the first level (normally 0 %). */
  baseDice: number;
  /** Lowest Dice over the later levels and the level where it happened. */
  worstDice: number;
  worstLevel: number;
  drop: number;
}

/**
 * Lesion slices ranked by their largest slice-Dice drop from the first level (most
 * pruning-fragile first). Lesion-free slices have no Dice (see src/shared/metrics/score.ts).
 */
export function fragileSlices(r: SweepRecord, limit = 10): FragileSlice[] {
  if (r.levels.length < 2) return [];
  const base = r.levels[0];
  const out: FragileSlice[] = base.perSlice.flatMap((c, i) => {
    if (c.dice === null) return [];
    let worstDice = c.dice;
    let worstLevel = base.sparsity;
    for (const l of r.levels.slice(1)) {
      const d = l.perSlice[i]?.dice;
      if (d !== undefined && d !== null && d < worstDice) {
        worstDice = d;
        worstLevel = l.sparsity;
      }
    }
    return [{ caseId: c.caseId, index: c.index, baseDice: c.dice, worstDice, worstLevel, drop: c.dice - worstDice }];
  });
  return out.sort((a, b) => b.drop - a.drop || a.caseId.localeCompare(b.caseId) || a.index - b.index).slice(0, limit);
}
