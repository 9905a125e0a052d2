/** The report's findings: the verdict each one carries, and the words that explain it. */
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../../src/node/report/html';
import { ResultsSchema } from '../../../../src/shared/experiment/results';
import { entry, resultsOf } from '../../helpers/experiment';

function report(perCaseWithout: number[], perCaseWith: number[]): string {
  const results = ResultsSchema.parse(resultsOf([entry(0, 1, 0.9, perCaseWithout), entry(1e-4, 1, 0.9, perCaseWith)]));
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

  it('every case 0 on both sides: "both fail", drawn apart from "no clear difference", the interval 0 to 0 still shown', () => {
    const html = report([0, 0, 0, 0, 0], [0, 0, 0, 0, 0]);
    expect(html).toMatch(
      /<div class="finding fail" data-verdict="both fail">[^<]*95 % CI 0\.00 to 0\.00[^<]*: both fail\. Both networks score/,
    );
    expect(html).toMatch(/\.finding\.fail\{[^}]+\}/);
    expect(html).toMatch(/<td>0\.000 to 0\.000<\/td><td class="small">bootstrap, 5 cases<\/td><td>both fail<\/td>/);
    expect(html).toContain('when every pair scores exactly 0 on both sides (no predicted pixel on any lesion) it is "both fail"');
    expect(html).not.toContain('data-verdict="no clear difference"');
  });
});
