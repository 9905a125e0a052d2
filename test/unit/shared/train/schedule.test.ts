import { describe, expect, it } from 'vitest';
import { learningRate, scheduleFactor } from '../../../../src/shared/train/schedule';

describe('LR schedules', () => {
  it('constant', () => {
    expect(learningRate(7, 10, 0.1, { kind: 'constant' })).toBe(0.1);
  });

  it('warm-up + cosine: linear ramp, peak after warm-up, monotone decay to minFactor', () => {
    const cfg = { kind: 'cosine', warmupSteps: 4, minFactor: 0.1 } as const;
    const f = Array.from({ length: 20 }, (_, s) => scheduleFactor(s, 20, cfg));
    expect(f.slice(0, 4)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(f[4]).toBe(1); // first cosine step: t = 0
    // t = (s - 4) / 16: half-way (s = 12) is the midpoint between 1 and 0.1.
    expect(f[12]).toBeCloseTo(0.55, 12);
    for (let s = 5; s < 20; s++) expect(f[s]).toBeLessThan(f[s - 1]);
    expect(f[19]).toBeGreaterThan(0.1);
    expect(scheduleFactor(500, 20, cfg)).toBe(f[19]); // past the end: stays at the last value
    expect(scheduleFactor(0, 20, { kind: 'cosine', warmupFraction: 0.1 })).toBe(0.5);
  });

  it('one-cycle matches PyTorch OneCycleLR (cos anneal) values', () => {
    // torch.optim.lr_scheduler.OneCycleLR(max_lr=1, total_steps=10, pct_start=0.3, div_factor=25,
    // final_div_factor=1e4, anneal_strategy='cos'): peak at step 2 (= 0.3*10 - 1).
    const cfg = { kind: 'onecycle' } as const;
    const lr = (s: number) => learningRate(s, 10, 1, cfg);
    expect(lr(0)).toBeCloseTo(0.04, 12);
    expect(lr(1)).toBeCloseTo(0.04 + (0.96 / 2) * (1 - Math.cos(Math.PI / 2)), 12);
    expect(lr(2)).toBeCloseTo(1, 12);
    expect(lr(9)).toBeCloseTo(0.04 / 1e4, 12);
    const mid = 2 + 7 / 2;
    expect(scheduleFactor(0, 10, cfg)).toBeLessThan(scheduleFactor(1, 10, cfg));
    expect(lr(Math.floor(mid))).toBeGreaterThan(lr(Math.ceil(mid)));
  });

  it('rejects nonsense', () => {
    expect(() => scheduleFactor(-1, 10, { kind: 'constant' })).toThrow(/step/);
    expect(() => scheduleFactor(0, 0, { kind: 'constant' })).toThrow(/step/);
    expect(() => scheduleFactor(0, 10, { kind: 'onecycle', pctStart: 2 } as never)).toThrow();
  });
});
