/**
 * Dice per level from the run's pruning sweep, when one was run, for the level picker and the
 * model card. The sweep owns its file layout; this reader only looks for `sweep*.json` in the run
 * directory or its `sweep/` folder and accepts any array of `{sparsity|level, dice}` records in it,
 * so it keeps working while that layout settles. Anything unreadable simply yields no levels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SweepLevel {
  sparsity: number;
  dice: number | null;
}

const MAX_BYTES = 16 * 1024 * 1024;

function diceOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of ['mean', 'dice']) if (typeof o[k] === 'number' && Number.isFinite(o[k])) return o[k] as number;
  }
  return null;
}

function levelsIn(raw: unknown, depth = 0): SweepLevel[] {
  if (depth > 3 || !raw || typeof raw !== 'object') return [];
  if (Array.isArray(raw)) {
    const found = raw.flatMap((e) => {
      if (!e || typeof e !== 'object') return [];
      const o = e as Record<string, unknown>;
      const s = typeof o.sparsity === 'number' ? o.sparsity : typeof o.level === 'number' ? o.level : undefined;
      if (s === undefined || !(s >= 0 && s <= 1)) return [];
      const dice = diceOf(o.dice ?? (o.metrics as Record<string, unknown> | undefined)?.dice ?? (o.aggregate as Record<string, unknown> | undefined)?.dice);
      return [{ sparsity: s, dice }];
    });
    if (found.length) return found;
  }
  for (const v of Object.values(raw as Record<string, unknown>)) {
    const inner = levelsIn(v, depth + 1);
    if (inner.length) return inner;
  }
  return [];
}

export function readSweepLevels(runDir: string): SweepLevel[] {
  const candidates: string[] = [];
  for (const dir of [runDir, path.join(runDir, 'sweep')]) {
    try {
      for (const n of fs.readdirSync(dir)) if (/^sweep.*\.json$|^results\.json$/.test(n) && (dir !== runDir || n.startsWith('sweep'))) candidates.push(path.join(dir, n));
    } catch {
      /* no such folder */
    }
  }
  for (const file of candidates.sort()) {
    try {
      if (fs.statSync(file).size > MAX_BYTES) continue;
      const levels = levelsIn(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (levels.length) {
        const byLevel = new Map(levels.map((l) => [l.sparsity, l] as const));
        return [...byLevel.values()].sort((a, b) => a.sparsity - b.sparsity);
      }
    } catch {
      /* a sweep being written, or another layout: no levels */
    }
  }
  return [];
}
