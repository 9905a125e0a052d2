import { describe, expect, it } from 'vitest';
import { compareGroups, findings } from '../../../../src/shared/experiment/compare';
import { groupEntries } from '../../../../src/shared/experiment/summary';
import { checkTraining } from '../../../../src/shared/run/trainingCheck';
import { entry, run } from '../../helpers/experiment';

describe('experiment comparisons', () => {
  // Three seeds; per-seed mean per-case Dice at 95 %: SGD 0.5 / 0.6 / 0.4, SGD+VAR 0.6 / 0.8 / 0.7 -> d = 0.1, 0.2, 0.3.
  const entries = [
    entry(0, 1, 0.95, [0.4, 0.6]),
    entry(0, 2, 0.95, [0.6, 0.6]),
    entry(0, 3, 0.95, [0.3, 0.5]),
    entry(1e-4, 1, 0.95, [0.5, 0.7]),
    entry(1e-4, 2, 0.95, [0.8, 0.8]),
    entry(1e-4, 3, 0.95, [0.7, 0.7]),
  ];
  const learned = entries.map((e) => run(e, 'learned'));

  it('paired differences per seed, t interval over seeds, verdict from the interval', () => {
    const [c] = compareGroups(entries, learned);
    expect(c.perSeed.map((p) => Math.round(p.diff * 1000) / 1000)).toEqual([0.1, 0.2, 0.3]);
    expect(c.interval!.method).toBe('t-over-seeds');
    expect(c.interval!.mean).toBeCloseTo(0.2, 12);
    expect(c.interval!.lo).toBeCloseTo(0.2 - 0.248412, 5);
    expect(c.verdict).toBe('no clear difference');
    const [f] = findings([c], [0.95]);
    expect(f.verdict).toBe('no clear difference');
    expect(f.text).toMatch(/SGD\+VAR minus SGD: mean per-case Dice difference \+0\.20 \(95 % CI −0\.05 to \+0\.45, Student t over 3 seeds/);
    // The level is named for what it counts: a sparsity by default, weights or FLOPs gone with their channels.
    expect(f.text).toMatch(/^At 95 % global sparsity, SGD\+VAR minus SGD/);
    expect(findings([c], [0.95], { family: 'unstructured', scope: 'layerwise' })[0].text).toMatch(/^At 95 % layerwise sparsity, /);
    const channel = findings([c], [0.95], { family: 'channel', channelTarget: 'params', scope: 'global' })[0].text;
    expect(channel).toMatch(
      /^At 95 % of the conv weights removed with their channels, SGD\+VAR minus SGD: mean per-case Dice difference \+0\.20 /,
    );
    expect(channel).not.toMatch(/sparsity/);
    expect(findings([c], [0.95], { family: 'channel', channelTarget: 'flops', scope: 'global' })[0].text).toMatch(
      /^At 95 % of the conv FLOPs removed with their channels, /,
    );
  });

  it('a failed training is left out by name, never averaged; one seed left falls back to the patient bootstrap', () => {
    const runs = learned.map((r) =>
      r.runId === 'sgd-var-s2' || r.runId === 'sgd-s3'
        ? run(
            entries.find((e) => e.runId === r.runId)!,
            'failed',
          )
        : r,
    );
    const [c] = compareGroups(entries, runs);
    expect(c.perSeed.map((p) => p.seed)).toEqual([1]);
    expect(c.excluded.map((e) => [e.runId, e.seed])).toEqual([
      ['sgd-var-s2', 2],
      ['sgd-s3', 3],
    ]);
    expect(c.interval!.method).toBe('patient-bootstrap');
    // Seed 1: both cases +0.1 -> the bootstrap interval is exactly +0.1, but two cases are too few to judge.
    expect(c.interval!.lo).toBeCloseTo(0.1, 12);
    expect(c.verdict).toBe('too few cases to judge');
    expect(findings([c], [0.95])[0].text).toMatch(/Left out: SGD\+VAR seed 2 \(failed training.*SGD seed 3/);
    const groups = groupEntries(entries, runs);
    const v = groups.find((g) => g.group === 'sgd-var')!;
    expect(v.runIds).toEqual(['sgd-var-s1', 'sgd-var-s3']);
    expect(v.excludedRunIds).toEqual(['sgd-var-s2']);
    expect(v.levels[0].caseDiceMean).toBeCloseTo((0.6 + 0.7) / 2, 12);
  });

  it('one seed: a bootstrap over fewer than 5 cases is shown, named, and gives no direction', () => {
    // The lead's two-cells run: one seed, one test case, -0.21 -> a zero-width interval.
    const one = [entry(0, 1, 0.9, [0.61]), entry(1e-4, 1, 0.9, [0.4])];
    const [c] = compareGroups(
      one,
      one.map((e) => run(e, 'learned')),
    );
    expect(c.interval).toMatchObject({ n: 1, method: 'patient-bootstrap' });
    expect(c.interval!.lo).toBeCloseTo(-0.21, 12);
    expect(c.interval!.hi).toBeCloseTo(-0.21, 12);
    expect(c.verdict).toBe('too few cases to judge');
    const [f] = findings([c], [0.9]);
    expect(f.verdict).toBe('too few cases to judge');
    expect(f.text).toMatch(/95 % CI −0\.21 to −0\.21, one seed: patient-level bootstrap over 1 case, .*: too few cases to judge\./);
    expect(f.text).toMatch(/fewer than 5 cases/);
    expect(f.text).not.toMatch(/: lower\./);
    // Five cases, each +0.1: enough distinct resamples, and the interval gives the direction.
    const five = [entry(0, 1, 0.9, [0.4, 0.5, 0.6, 0.3, 0.2]), entry(1e-4, 1, 0.9, [0.5, 0.6, 0.7, 0.4, 0.3])];
    const [d] = compareGroups(
      five,
      five.map((e) => run(e, 'learned')),
    );
    expect(d.interval).toMatchObject({ n: 5, method: 'patient-bootstrap' });
    expect(d.verdict).toBe('higher');
  });

  it('every pair 0 on both sides: "both fail", said in words, before the case count; one side 0 keeps the usual statistics', () => {
    // Three seeds at 98 %: every case of every run scores 0.
    const zeros = [0, 1e-4].flatMap((lambda) => [1, 2, 3].map((seed) => entry(lambda, seed, 0.98, [0, 0])));
    const [c] = compareGroups(
      zeros,
      zeros.map((e) => run(e, 'learned')),
    );
    expect(c.interval).toMatchObject({ method: 't-over-seeds', mean: 0, lo: 0, hi: 0 });
    expect(c.verdict).toBe('both fail');
    const [f] = findings([c], [0.98]);
    expect(f.verdict).toBe('both fail');
    expect(f.text).toMatch(
      /95 % CI 0\.00 to 0\.00, Student t over 3 seeds; per seed 0\.00 vs 0\.00, .*\): both fail\. Both networks score a per-case Dice of exactly 0 on every case with a lesion/,
    );
    expect(f.text).not.toMatch(/no clear difference/);
    // One seed, one case: fewer than 5 cases, but the case shows both fail.
    const one = [entry(0, 1, 0.98, [0]), entry(1e-4, 1, 0.98, [0])];
    const [b] = compareGroups(
      one,
      one.map((e) => run(e, 'learned')),
    );
    expect(b.interval).toMatchObject({ n: 1, method: 'patient-bootstrap' });
    expect(b.verdict).toBe('both fail');
    expect(findings([b], [0.98])[0].text).not.toMatch(/fewer than 5 cases/);
    // Without VAR 0, with VAR above 0 in every seed: the t interval and its direction, no failure named.
    const oneSide = [
      ...[1, 2, 3].map((seed) => entry(0, seed, 0.98, [0, 0])),
      entry(1e-4, 1, 0.98, [0.3, 0.3]),
      entry(1e-4, 2, 0.98, [0.2, 0.2]),
      entry(1e-4, 3, 0.98, [0.25, 0.25]),
    ];
    const [d] = compareGroups(
      oneSide,
      oneSide.map((e) => run(e, 'learned')),
    );
    expect(d.interval!.mean).toBeCloseTo(0.25, 12);
    expect(d.interval!.lo).toBeGreaterThan(0);
    expect(d.verdict).toBe('higher');
    expect(findings([d], [0.98])[0].text).not.toMatch(/both/i);
  });

  it('both fail at a level: no dense note, since there is no gap to explain', () => {
    // Dense: SGD+VAR higher in every seed (d = 0.2, 0.1, 0.15: t interval above 0); 98 %: every case 0.
    const dense = [
      [0.5, 0.7],
      [0.6, 0.7],
      [0.55, 0.7],
    ].flatMap(([without, withVar], i) => [entry(0, i + 1, 0, [without]), entry(1e-4, i + 1, 0, [withVar])]);
    const pruned = [1, 2, 3].flatMap((seed) => [entry(0, seed, 0.98, [0]), entry(1e-4, seed, 0.98, [0])]);
    const rows = [...dense, ...pruned];
    const cs = compareGroups(rows, [...new Map(rows.map((e) => [e.runId, run(e, 'learned')] as const)).values()]);
    expect(cs.map((c) => [c.sparsity, c.verdict])).toEqual([
      [0, 'higher'],
      [0.98, 'both fail'],
    ]);
    expect(findings(cs, [0.98])[0].text).not.toMatch(/dense models already differ/);
  });

  it('the dense note is given only when the dense models differ in a direction', () => {
    const rows = [entry(0, 1, 0, [0.61]), entry(1e-4, 1, 0, [0.4]), entry(0, 1, 0.9, [0.5]), entry(1e-4, 1, 0.9, [0.4])];
    const cs = compareGroups(
      rows,
      rows.map((e) => run(e, 'learned')),
    );
    expect(cs.map((c) => c.verdict)).toEqual(['too few cases to judge', 'too few cases to judge']);
    expect(findings(cs, [0.9])[0].text).not.toMatch(/dense models already differ/);
  });

  it('group levels carry the 95 % CI the charts draw: t over seeds, over the cases when one seed is left', () => {
    // SGD+VAR run means 0.6, 0.8, 0.7: mean 0.7, sd 0.1, t(0.975, 2) = 4.302653.
    const [, v] = groupEntries(entries, learned);
    const ci = v.levels[0].caseDiceCi!;
    expect(ci.over).toBe('seeds');
    expect(ci.n).toBe(3);
    expect(ci.lo).toBeCloseTo(0.7 - 0.248412, 5);
    expect(ci.hi).toBeCloseTo(0.7 + 0.248412, 5);
    // Seeds 2 and 3 of SGD+VAR failed: one run left, its cases 0.5 and 0.7 -> 0.6 ± 12.7062 * 0.1414 / sqrt(2), clipped to [0, 1].
    const runs = learned.map((r) =>
      r.runId === 'sgd-var-s2' || r.runId === 'sgd-var-s3'
        ? run(
            entries.find((e) => e.runId === r.runId)!,
            'failed',
          )
        : r,
    );
    const one = groupEntries(entries, runs).find((g) => g.group === 'sgd-var')!.levels[0].caseDiceCi!;
    expect(one).toEqual({ n: 2, over: 'cases', lo: 0, hi: 1 });
    const narrow = groupEntries([entry(0, 1, 0.9, [0.5, 0.52, 0.54, 0.5, 0.52, 0.54])])[0].levels[0].caseDiceCi!;
    expect(narrow.over).toBe('cases');
    expect(narrow.hi - 0.52).toBeCloseTo((2.570582 * Math.sqrt(0.0016 / 5)) / Math.sqrt(6), 5);
  });

  it('failed-training check: no better than predicting nothing', () => {
    expect(checkTraining(0, 0.04, 0).verdict).toBe('failed');
    expect(checkTraining(0, 0.05, 0).verdict).toBe('failed');
    expect(checkTraining(0, 0.3, 0).verdict).toBe('learned');
    expect(checkTraining(0, null, null).verdict).toBe('unknown');
  });
});
