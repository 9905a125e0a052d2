/** results.json: the version this build writes, and what it still reads. */
import { describe, expect, it } from 'vitest';
import { buildResults } from '../../../../src/node/experiment/results';
import { experimentPreset } from '../../../../src/shared/experiment/presets';
import { RESULTS_VERSION, ResultsSchema } from '../../../../src/shared/experiment/results';
import { entry, resultsOf } from '../../helpers/experiment';

// Two seeds at 98 %: every case 0 on both sides.
const broken = [0, 1e-4].flatMap((lambda) => [1, 2].map((seed) => entry(lambda, seed, 0.98, [0, 0, 0])));
// The same level where both networks still score: d = +0.1, +0.2.
const working = [
  entry(0, 1, 0.98, [0.4, 0.6]),
  entry(0, 2, 0.98, [0.5, 0.5]),
  entry(1e-4, 1, 0.98, [0.6, 0.6]),
  entry(1e-4, 2, 0.98, [0.7, 0.7]),
];
const roundTrip = (x: unknown) => ResultsSchema.parse(JSON.parse(JSON.stringify(x)));

describe('results.json versions', () => {
  it('this build writes version 4, the first with the verdict "both fail"', () => {
    expect(RESULTS_VERSION).toBe(4);
    const config = experimentPreset('tiny');
    const written = buildResults({
      config,
      status: 'completed',
      createdAt: '2026-12-01T00:00:00Z',
      cells: [],
      records: new Map(),
      swept: new Map(),
      stages: [],
      totalSeconds: 0,
    });
    expect(written.version).toBe(4);
    const r = roundTrip(resultsOf(broken));
    expect(r.version).toBe(4);
    expect(r.comparisons.map((c) => c.verdict)).toEqual(['both fail']);
    expect(r.findings.map((f) => f.verdict)).toEqual(['both fail']);
  });

  it('a version 3 file is still read as written, its verdicts unchanged', () => {
    const v3 = roundTrip(resultsOf(working, 3));
    expect(v3.version).toBe(3);
    expect(v3.comparisons.map((c) => c.verdict)).toEqual(['no clear difference']);
    expect(v3.comparisons[0].interval!.mean).toBeCloseTo(0.15, 12);
  });

  it('an unknown version or verdict word is refused', () => {
    expect(ResultsSchema.safeParse({ ...resultsOf(working), version: 5 }).success).toBe(false);
    const r = resultsOf(working);
    const words = ResultsSchema.safeParse({ ...r, comparisons: r.comparisons.map((c) => ({ ...c, verdict: 'both broken' })) });
    expect(words.success).toBe(false);
  });
});
