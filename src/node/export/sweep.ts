/** Headline (mean per-case) Dice per level from the run's newest stored pruning sweep, for the level picker and the model card. */
import * as path from 'node:path';
import { summarizeSweep } from '../../shared/sweep/result';
import { listSweepRecords } from '../sweep/files';

export interface SweptLevelDice {
  sparsity: number;
  /** Mean per-case Dice (the headline). */
  dice: number | null;
  /** e.g. "sweep sw-…, global, test split": where the number comes from. */
  label: string;
}

/** Levels of the newest sweep with finished levels; none when the run was never swept. */
export async function readSweepLevels(runDir: string): Promise<SweptLevelDice[]> {
  try {
    const { records } = await listSweepRecords(path.dirname(runDir), path.basename(runDir));
    const s = records.map(summarizeSweep).find((r) => r.levels.length > 0);
    if (!s) return [];
    const label = `sweep ${s.sweepId}, ${s.scope}, ${s.split} split, ${s.scorer}`;
    return s.levels.map((l) => ({ sparsity: l.sparsity, dice: l.caseDice, label })).sort((a, b) => a.sparsity - b.sparsity);
  } catch {
    return []; // an unreadable sweep must not block an export
  }
}
