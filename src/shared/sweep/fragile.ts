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

/** Slices ranked by their largest Dice drop from the first level (most pruning-fragile first). */
export function fragileSlices(r: SweepRecord, limit = 10): FragileSlice[] {
  if (r.levels.length < 2) return [];
  const base = r.levels[0];
  const out: FragileSlice[] = base.perCase.map((c, i) => {
    let worstDice = c.dice;
    let worstLevel = base.sparsity;
    for (const l of r.levels.slice(1)) {
      const d = l.perCase[i]?.dice;
      if (d !== undefined && d < worstDice) {
        worstDice = d;
        worstLevel = l.sparsity;
      }
    }
    return { caseId: c.caseId, index: c.index, baseDice: c.dice, worstDice, worstLevel, drop: c.dice - worstDice };
  });
  return out.sort((a, b) => b.drop - a.drop || a.caseId.localeCompare(b.caseId) || a.index - b.index).slice(0, limit);
}
