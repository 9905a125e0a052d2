import { describe, expect, it } from 'vitest';
import { parseLevels } from '../../../../../src/renderer/features/sweep/StartPanel';
import { chartData, type SweepableRun } from '../../../../../src/renderer/features/sweep/model';
import { levelAt, sweepChart, sweepChartOptions } from '../../../../../src/shared/charts/sweepChart';
import { chartFrame } from '../../../../../src/shared/charts/svg';
import { fragileSlices, type SweepRecord } from '../../../../../src/shared/sweep';
import { record } from '../../../helpers/sweepRecord';
import { describeLevel } from '../../../../../src/shared/sweep/levels';

const run = (runId: string, method: string, varLambda: number): SweepableRun => ({
  runId,
  name: runId,
  createdAt: '',
  method,
  varLambda,
  seed: 1,
  inputSize: 4,
  trainingVerdict: 'learned',
  sweeps: [],
});

describe('sweep view model', () => {
  it('one line per run on evenly spaced levels, each point with its 95 % CI over cases, colours as in the report', () => {
    const d = chartData([
      { run: run('s1', 'sgd', 0), record: record({ 0: [0.8, 0.8], 0.9: [0.2, 0.2] }) },
      { run: run('v1', 'sgd', 1e-4), record: record({ 0: [0.9, 0.9], 0.5: [0.9, 0.9], 0.9: [0.85, 0.85] }) },
    ]);
    expect(d.levels).toEqual([0, 0.5, 0.9]);
    expect(d.series.map((s) => s.points.map((p) => [p.sparsity, p.value]))).toEqual([
      [
        [0, 0.8],
        [0.9, 0.2],
      ],
      [
        [0, 0.9],
        [0.5, 0.9],
        [0.9, 0.85],
      ],
    ]);
    // n = 2, std 0.1: mean ± t(0.975, 1) * 0.1 / sqrt(2), t = 12.7062, clipped to [0, 1] (src/shared/stats).
    const half = (12.7062 * 0.1) / Math.SQRT2;
    expect(d.series[0].points[1].lo).toBeCloseTo(Math.max(0, 0.2 - half), 4);
    expect(d.series[0].points[1].hi).toBeCloseTo(Math.min(1, 0.2 + half), 4);
    expect(d.series[1].points[0].hi).toBe(1);
    expect(d.series[0]).toMatchObject({ color: '#7f8c9a', dashed: true });
    expect(d.series[1].dashed).toBe(false);
    expect(d.values).toBe(5);
    expect(d.metric).toBe('mean per-case Dice');
  });

  it('labels the pruning family: a channel sweep names itself in its line and the axis says what a level removes', () => {
    const plain = record({ 0: [0.8, 0.8], 0.5: [0.7, 0.7] });
    const chan = { ...plain, config: { ...plain.config, family: 'channel' as const } };
    expect(chartData([{ run: run('s1', 'sgd', 0), record: plain }]).xLabel).toBe('sparsity (levels evenly spaced)');
    const only = chartData([{ run: run('c1', 'sgd', 0), record: chan }]);
    expect(only.series[0].label).toMatch(/ · channel$/);
    expect(only.xLabel).toMatch(/^conv weights removed with their channels/);
    const both = chartData([
      { run: run('s1', 'sgd', 0), record: plain },
      { run: run('c1', 'sgd', 0), record: chan },
    ]);
    expect(both.xLabel).toBe('sparsity (unstructured) or conv weights removed with their channels (channel) (levels evenly spaced)');
    expect(both.series[0].label).not.toMatch(/channel/);
  });

  it('the hover read-out names a level by what it counts: sparsity, or weights / FLOPs removed with their channels', () => {
    const plain = record({ 0: [0.8, 0.8], 0.5: [0.7, 0.7] });
    const chan = { ...plain, config: { ...plain.config, family: 'channel' as const } };
    const flops = { ...plain, config: { ...plain.config, family: 'channel' as const, channelTarget: 'flops' as const } };
    const tip = (records: SweepRecord[]) =>
      describeLevel(0.5, chartData(records.map((r, i) => ({ run: run(`r${i}`, 'sgd', 0), record: r }))).levelMeanings);
    expect(tip([plain])).toBe('50% sparsity');
    expect(tip([chan])).toBe('50%: conv weights removed with their channels');
    expect(tip([flops])).toBe('50%: conv FLOPs removed with their channels');
    expect(tip([plain, chan])).toBe('50%: sparsity (unstructured) or conv weights removed with their channels (channel)');
  });

  it("the chart SVG is the report's: levels evenly spaced, a legend naming the metric and band, hover text on every marker", () => {
    const d = chartData([
      { run: run('v1', 'sgd', 1e-4), record: record({ 0: [0.9, 0.9], 0.8: [0.9, 0.9], 0.9: [0.85, 0.85], 0.98: [0.5, 0.5] }) },
    ]);
    const svg = sweepChart(d);
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)" cy="[\d.]+" r="3"/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(4);
    const gaps = xs.slice(1).map((x, i) => x - xs[i]);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0], 0);
    // The app's hover maps a pointer x back to the level drawn there, also between levels and at the edges.
    const o = sweepChartOptions(d);
    const frame = chartFrame(o, d.series.length);
    xs.forEach((x, i) => expect(levelAt(o, frame, x, 4)).toBe(i));
    expect(levelAt(o, frame, xs[0] + gaps[0] * 0.45, 4)).toBe(0);
    expect(levelAt(o, frame, xs[0] + gaps[0] * 0.55, 4)).toBe(1);
    expect(levelAt(o, frame, frame.left + frame.plotWidth + 10, 4)).toBe(3);
    // The first and last markers sit inside the plot frame, not on its border.
    expect(xs[0]).toBeGreaterThan(frame.left + 10);
    expect(xs[3]).toBeLessThan(frame.left + frame.plotWidth - 10);
    expect(svg).toContain('mean per-case Dice · error bars: 95 % CI over cases');
    // One error bar per point with an interval, drawn from lo to hi.
    expect(svg.match(/class="interval"/g)).toHaveLength(4);
    expect(svg).toContain('<title>v1 · SGD+VAR (λ 1e-4) at 0%: mean per-case Dice 0.900');
    expect(svg.match(/<title>/g)).toHaveLength(4);
    expect(svg).toContain('at 98%: mean per-case Dice 0.500 (95 % CI over cases 0.000–1.000, n = 2)');
  });

  it('fragile lesion slices rank by the largest slice-Dice drop from the first level', () => {
    const f = fragileSlices(record({ 0: [0.9, 0.8], 0.5: [0.85, 0.1], 0.9: [0.3, 0.5] }));
    expect(f.map((x) => [x.caseId, x.worstLevel])).toEqual([
      ['b', 0.5],
      ['a', 0.9],
    ]);
    expect(f[0].drop).toBeCloseTo(0.7);
  });

  it('parses levels typed as percentages', () => {
    expect(parseLevels('90, 0 50%')).toEqual([0, 0.5, 0.9]);
    expect(parseLevels('')).toMatch(/at least one/);
    expect(parseLevels('120')).toMatch(/between 0 and 100/);
  });
});
