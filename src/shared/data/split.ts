import type { CaseInfo, Split, SplitFractions } from './types.js';
import { mulberry32 } from '../rng.js';
import { fail } from './fail.js';

/**
 * Splits cases into train/val/test by patient: all cases of one patient land in the same part.
 * Patients are sorted, shuffled with the seed, then cut by cumulative fractions; every part with a
 * non-zero fraction gets at least one patient when there are enough patients.
 */
export function splitByPatient(cases: CaseInfo[], fractions: SplitFractions, seed: number): Split {
  const f = [fractions.train, fractions.val, fractions.test];
  if (f.some((v) => !(v >= 0)) || f.reduce((a, b) => a + b, 0) <= 0)
    fail('bad-input', undefined, `invalid split fractions ${f.join('/')}`, 'Use non-negative fractions such as 0.7/0.15/0.15');
  const sum = f[0] + f[1] + f[2];
  const patients = [...new Set(cases.map((c) => c.patientId))].sort();
  const rnd = mulberry32(seed);
  for (let i = patients.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [patients[i], patients[j]] = [patients[j], patients[i]];
  }
  const n = patients.length;
  const counts = f.map((v) => Math.floor((v / sum) * n));
  // Hand out the remainder, then make sure requested parts are not empty (taking from the largest).
  let rest = n - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % 3)
    if (f[i] > 0) {
      counts[i]++;
      rest--;
    }
  for (let i = 0; i < 3; i++) {
    if (f[i] > 0 && counts[i] === 0) {
      const big = counts.indexOf(Math.max(...counts));
      if (counts[big] > 1) {
        counts[big]--;
        counts[i]++;
      }
    }
  }
  const part = new Map<string, number>();
  let p = 0;
  for (let i = 0; i < 3; i++) for (let k = 0; k < counts[i]; k++) part.set(patients[p++], i);
  const out: Split = { train: [], val: [], test: [] };
  const keys = ['train', 'val', 'test'] as const;
  for (const c of cases) out[keys[part.get(c.patientId) ?? 0]].push(c.id);
  return out;
}
