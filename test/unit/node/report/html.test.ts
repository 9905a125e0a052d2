/** The report's findings: the verdict each one carries, and the words that explain it. */
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../../src/node/report/html';
import { compareGroups, findings } from '../../../../src/shared/experiment/compare';
import { experimentPreset } from '../../../../src/shared/experiment/presets';
import { ResultsSchema } from '../../../../src/shared/experiment/results';
import { groupEntries } from '../../../../src/shared/experiment/summary';
import { entry, run } from '../../helpers/experiment';

function report(perCaseWithout: number[], perCaseWith: number[]): string {
  const entries = [entry(0, 1, 0.9, perCaseWithout), entry(1e-4, 1, 0.9, perCaseWith)];
  const runs = entries.map((e) => run(e, 'learned'));
  const comparisons = compareGroups(entries, runs);
  const config = experimentPreset('tiny');
  const results = ResultsSchema.parse({
    version: 3,
    experiment: { name: 'test', config: { ...config, sweep: { ...config.sweep, levels: [0.9] } } },
    status: 'completed',
    createdAt: '2026-12-01T00:00:00Z',
    finishedAt: '2026-12-01T00:01:00Z',
    host: { cpus: 2, loadAverage: [0, 0, 0], platform: 'linux', node: 'v20' },
    backend: { name: 'cpu', detail: 'test' },
    stages: [],
    totalSeconds: 60,
    runs,
    groups: groupEntries(entries, runs),
    entries,
    comparisons,
    findings: findings(comparisons, [0.9]),
  });
  return renderReport({ results, records: new Map(), sweeps: new Map() });
}

describe('report findings', () => {
  it('one seed, one case: the interval is shown and named, the verdict is "too few cases to judge", drawn neutral', () => {
    const html = report([0.61], [0.4]);
    expect(html).toMatch(/<div class="finding neutral" data-verdict="too few cases to judge">[^<]*95 % CI −0\.21 to −0\.21/);
    expect(html).toMatch(/<td>-0\.210 to -0\.210<\/td><td class="small">bootstrap, 1 case<\/td><td>too few cases to judge<\/td>/);
    expect(html).toContain('a bootstrap over fewer than 5 cases gives "too few cases to judge"');
    expect(html).not.toContain('data-verdict="lower"');
  });

  it('one seed, five cases that all move the same way: the interval gives the direction', () => {
    const html = report([0.4, 0.5, 0.6, 0.3, 0.2], [0.5, 0.6, 0.7, 0.4, 0.3]);
    expect(html).toContain('<div class="finding" data-verdict="higher">');
  });
});
