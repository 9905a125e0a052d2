import { describe, expect, it } from 'vitest';
import { ProgressMeter } from '../../../../src/node/train/progress';
import { HISTOGRAM_BINS, histogramEdges, weightStats } from '../../../../src/node/train/weightStats';
import type { TrainProgress } from '../../../../src/shared/run/events';

describe('weight statistics', () => {
  it('computes per-layer and global std, small-weight fraction and a fixed-edge histogram', () => {
    const a = new Float32Array([0.1, -0.1, 0.0005, -0.0002]);
    const b = new Float32Array([0.3, -0.3, 2, -2]); // 2 and -2 fall outside [-0.5, 0.5]
    const s = weightStats([
      { name: 'conv1', values: a },
      { name: 'conv2', values: b },
    ]);
    expect(s.perLayer[0].name).toBe('conv1');
    expect(s.perLayer[0].count).toBe(4);
    expect(s.perLayer[0].fracBelow1e3).toBe(0.5);
    const meanA = (0.1 - 0.1 + 0.0005 - 0.0002) / 4;
    const varA = [0.1, -0.1, 0.0005, -0.0002].reduce((t, w) => t + (w - meanA) ** 2, 0) / 4;
    expect(s.perLayer[0].std).toBeCloseTo(Math.sqrt(varA), 6);
    expect(s.perLayer[1].std).toBeCloseTo(Math.sqrt((0.09 * 2 + 8) / 4), 6);
    expect(s.global.count).toBe(8);
    expect(s.global.fracBelow1e3).toBe(0.25);
    const h = s.global.histogram;
    expect(h.edges).toHaveLength(HISTOGRAM_BINS + 1);
    expect(h.counts.reduce((x, y) => x + y, 0)).toBe(8);
    expect(h.clipped).toBe(2);
    expect(h.counts[0]).toBe(1);
    expect(h.counts[HISTOGRAM_BINS - 1]).toBe(1);
    // Odd bin count: the centre bin is symmetric about 0 and holds both tiny weights.
    const mid = (HISTOGRAM_BINS - 1) / 2;
    expect(h.edges[mid] + h.edges[mid + 1]).toBeCloseTo(0, 12);
    expect(h.counts[mid]).toBe(2);
    // Two runs get identical edges, so their histograms overlay bin for bin.
    expect(weightStats([{ name: 'x', values: new Float32Array([5]) }]).global.histogram.edges).toEqual(histogramEdges());
  });
});

describe('progress meter', () => {
  it('rate-limits events but always emits the last step of an epoch', () => {
    const out: TrainProgress[] = [];
    const m = new ProgressMeter('r', 100, { report: (p) => out.push(p) });
    for (let s = 1; s <= 50; s++) m.step({ epoch: 0, step: s, images: 2, loss: 1, lr: 0.1, force: s === 50 });
    expect(out.length).toBe(2); // the first step, then the forced last one (all within 100 ms)
    expect(out[1]).toMatchObject({ runId: 'r', step: 50, totalSteps: 100, fraction: 0.5, epoch: 0 });
    expect(out[1].etaSeconds).toBeGreaterThanOrEqual(0);
    expect(out[1].imagesPerSec).toBeGreaterThan(0);
  });
});
