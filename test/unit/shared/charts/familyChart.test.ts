import { describe, expect, it } from 'vitest';
import { familyChart, familyChartData, FAMILY_AXES } from '../../../../src/shared/charts/familyChart';
import { FAMILY_STYLE } from '../../../../src/shared/charts/style';
import { familySweepIds, type SweepableRun } from '../../../../src/renderer/features/sweep/model';
import type { LevelMeasured, SweepRecord } from '../../../../src/shared/sweep';
import { record } from '../../helpers/sweepRecord';

const timed = (fileBytes: number, gzipBytes: number, medianMs: number, denseMs: number): LevelMeasured => ({
  fileBytes,
  gzipBytes,
  latency: {
    runtime: 'onnxruntime-node',
    threads: 1,
    inputShape: [1, 4, 4, 1],
    runs: 20,
    warmup: 3,
    medianMs,
    q25Ms: medianMs * 0.9,
    q75Ms: medianMs * 1.1,
    minMs: medianMs * 0.8,
    dense: { medianMs: denseMs, q25Ms: denseMs, q75Ms: denseMs },
    speedup: denseMs / medianMs,
  },
});

/** A sweep of `family` with its levels' Dice and measurements (undefined: not measured). */
function sweep(
  family: 'unstructured' | 'channel',
  levels: Record<number, [number, LevelMeasured | undefined]>,
  measure: 'none' | 'size' | 'latency' = 'latency',
): SweepRecord {
  const r = record(Object.fromEntries(Object.entries(levels).map(([l, [d]]) => [l, [d, d]])));
  return {
    ...r,
    sweepId: `sw-${family}`,
    config: { ...r.config, family, measure },
    levels: r.levels.map((l) => {
      const m = levels[l.sparsity][1];
      return m ? { ...l, measured: m } : l;
    }),
  };
}

const unstructured = sweep('unstructured', {
  0: [0.8, timed(1_800_000, 1_650_000, 15, 15)],
  0.9: [0.4, timed(1_800_000, 230_000, 14, 15)],
});
const channel = sweep('channel', {
  0.5: [0.3, timed(900_000, 830_000, 6, 15)],
  0.75: [0.1, timed(460_000, 420_000, 5, 15)],
});
const data = (axis: (typeof FAMILY_AXES)[number], sweeps = { unstructured, channel }) => familyChartData({ runLabel: 'ref', sweeps, axis });

describe('family chart data', () => {
  it('both families of one run, one labelled series each in their own style, on every x-axis choice', () => {
    for (const axis of FAMILY_AXES) {
      const d = data(axis);
      expect(d.series.map((s) => s.label)).toEqual([
        'unstructured pruning (level = sparsity)',
        'channel pruning (level = conv weights removed)',
      ]);
      expect(d.series.map((s) => [s.color, s.dashed])).toEqual([
        [FAMILY_STYLE.unstructured.color, false],
        [FAMILY_STYLE.channel.color, true],
      ]);
      expect(d.points).toBe(4);
      expect(d.notes).toEqual([]);
      expect(d.series.map((s) => s.points.map((p) => p.y))).toEqual([
        [0.8, 0.4],
        [0.3, 0.1],
      ]);
      expect(d.series.map((s) => s.points.map((p) => p.tag))).toEqual([
        ['0%', '90%'],
        ['50%', '75%'],
      ]);
    }
  });

  it('x is the level position, the median ms, the same-run speed-up, or the file / gzip size with its unit', () => {
    const xs = (axis: (typeof FAMILY_AXES)[number]) => data(axis).series.map((s) => s.points.map((p) => p.x));
    // Levels of both families evenly spaced on one axis: 0, 50, 75, 90 %.
    expect(xs('level')).toEqual([
      [0, 3],
      [1, 2],
    ]);
    expect(data('level').options.xLabel).toBe(
      'sparsity (unstructured) or conv weights removed with their channels (channel) (levels evenly spaced)',
    );
    expect(xs('latency')).toEqual([
      [15, 14],
      [6, 5],
    ]);
    expect(data('latency').options.xLabel).toMatch(/^median latency, ms \(onnxruntime-node, batch 1, 1 thread/);
    expect(xs('speedup')[1]).toEqual([15 / 6, 3]);
    expect(data('speedup').options.guides).toEqual([1]);
    // Ticks with as many decimals as their step (0.25 -> "0.25x", never a rounded "0.3x").
    const ticks = (d: ReturnType<typeof data>) => d.options.xTicks!.map(d.options.xFormat!);
    expect(ticks(data('speedup'))).toEqual(['0x', '1x', '2x', '3x', '4x']);
    const near = sweep('channel', { 0.5: [0.3, timed(900_000, 830_000, 12.5, 15)] });
    expect(ticks(data('speedup', { unstructured, channel: near }))).toEqual([
      '0.00x',
      '0.25x',
      '0.50x',
      '0.75x',
      '1.00x',
      '1.25x',
      '1.50x',
    ]);
    expect(data('speedup').options.title).toBe('ref: both pruning families, mean per-case Dice vs measured speed-up over dense');
    const kib = (b: number) => b / 1024;
    expect(xs('file')).toEqual([
      [kib(1_800_000), kib(1_800_000)],
      [kib(900_000), kib(460_000)],
    ]);
    expect(data('file').options.xLabel).toBe('fp32 ONNX file, KiB (as the export writes it)');
    expect(xs('gzip')[0]).toEqual([kib(1_650_000), kib(230_000)]);
    // The measured axes start at 0 and end on a round number above the largest value.
    const o = data('file').options;
    expect(o.x[0]).toBe(0);
    expect(o.x[1]).toBeGreaterThanOrEqual(kib(1_800_000));
    expect(o.xTicks!.at(-1)).toBe(o.x[1]);
  });

  it('hover text says what a point is: family, level, Dice with its interval, file sizes and the same-run latency', () => {
    const svg = familyChart(data('speedup'));
    expect(svg.match(/<title>/g)).toHaveLength(4);
    expect(svg).toContain(
      '<title>channel, 50%: conv weights removed with their channels: mean per-case Dice 0.300 (95 % CI over cases 0.000–1.000, n = 2); fp32 ONNX file 878.9 KiB, gzip 810.5 KiB; 6.00 ms median in onnxruntime-node, dense 15.00 ms in the same 20 rounds: 2.50x faster</title>',
    );
    // 14 against 15 ms with overlapping middle halves: noise, by the export verdict's rule, not a 1.07x gain.
    expect(svg).toContain(
      '14.00 ms median in onnxruntime-node, dense 15.00 ms in the same 20 rounds: same speed (1.07x, within timing noise)</title>',
    );
    expect(svg).toContain('unstructured pruning (level = sparsity)');
    expect(svg).toContain('mean per-case Dice · error bars: 95 % CI over cases · tags: the sweep level');
    expect(svg.match(/class="tag"/g)).toHaveLength(4);
  });

  it('a missing family or measurement leaves a note that says how to get it, and draws what there is', () => {
    const onlyUnst = data('level', { unstructured } as never);
    expect(onlyUnst.points).toBe(2);
    expect(onlyUnst.notes).toEqual([
      { family: 'channel', text: 'No channel sweep of this run yet: start one above with Family “channel”.' },
    ]);
    const sized = sweep('channel', { 0.5: [0.3, { fileBytes: 900_000, gzipBytes: 830_000 }] }, 'size');
    const old = sweep('unstructured', { 0: [0.8, undefined] }, 'none');
    const lat = data('latency', { unstructured: old, channel: sized });
    expect(lat.points).toBe(0);
    expect(lat.notes.map((n) => n.text)).toEqual([
      'Measured latency not recorded for the unstructured sweep sw-unstructured (measure: nothing): re-run it with Measure “latency and file size” (var-studio sweep --measure latency).',
      'Measured latency not recorded for the channel sweep sw-channel (measure: file size): re-run it with Measure “latency and file size” (var-studio sweep --measure latency).',
    ]);
    const size = data('file', { unstructured: old, channel: sized });
    expect(size.points).toBe(1);
    expect(size.notes.map((n) => n.family)).toEqual(['unstructured']);
    expect(size.notes[0].text).toMatch(/^File size not recorded for the unstructured sweep/);
    // The level axis needs no measurement.
    expect(data('level', { unstructured: old, channel: sized }).notes).toEqual([]);
  });

  it('the view shows, per family, the chosen sweep for its family and the newest completed one of the other', () => {
    const s = (sweepId: string, family: 'unstructured' | 'channel', status: 'completed' | 'failed', levels = 1) => ({
      sweepId,
      runId: 'r',
      status,
      createdAt: '',
      scorer: 'onnx' as const,
      family,
      scope: 'global' as const,
      split: 'val' as const,
      slices: 2,
      levels: Array.from({ length: levels }, () => ({ sparsity: 0, achieved: 0, caseDice: 0.5, caseDiceStd: 0 })),
    });
    const run = {
      runId: 'r',
      name: 'r',
      createdAt: '',
      method: 'sgd',
      varLambda: 0,
      seed: 1,
      inputSize: 4,
      trainingVerdict: 'learned',
      sweeps: [
        s('sw-c2', 'channel', 'failed'),
        s('sw-u2', 'unstructured', 'completed'),
        s('sw-c1', 'channel', 'completed'),
        s('sw-u1', 'unstructured', 'completed'),
      ],
    } as SweepableRun;
    expect(familySweepIds(run, 'sw-u1')).toEqual({ unstructured: 'sw-u1', channel: 'sw-c1' });
    expect(familySweepIds(run, 'sw-c2')).toEqual({ unstructured: 'sw-u2', channel: 'sw-c2' });
    expect(familySweepIds({ ...run, sweeps: [s('sw-c3', 'channel', 'failed', 0)] }, undefined)).toEqual({});
  });
});
