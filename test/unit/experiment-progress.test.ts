import { describe, expect, it } from 'vitest';
import { findBenchEntry } from '../../src/main/cli/commands/bench';
import { formatDuration, Progress, renderBar } from '../../src/main/cli/progress';
import type { CliIO } from '../../src/main/cli/types';
import { findings, isClear } from '../../src/shared/experiment/summary';
import type { Group } from '../../src/shared/experiment/results';

const io = (isTTY: boolean) => {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY, signal: new AbortController().signal };
  return { io: value, out, err };
};

describe('terminal progress', () => {
  it('formats bars and durations', () => {
    expect(renderBar(0, 10)).toBe('[          ]');
    expect(renderBar(0.5, 10)).toBe('[=====     ]');
    expect(renderBar(1, 10)).toBe('[==========]');
    expect(renderBar(NaN, 4)).toBe('[    ]');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 60)).toBe('3h01m');
    expect(formatDuration(-1)).toBe('--');
  });

  it('redraws one line in a terminal and prints rate-limited plain lines otherwise', () => {
    const tty = io(true);
    const drawn: string[] = [];
    const p = new Progress(tty.io, { write: (s) => drawn.push(s), width: 10 });
    p.update('train 1/2', 0.5, 65, 'SGD');
    expect(drawn[0]).toMatch(/^\r\x1b\[2Ktrain 1\/2 \[=====\s+\]\s+50% ETA 1m05s SGD/);
    p.log('epoch 1/8');
    expect(tty.out).toEqual(['epoch 1/8']);
    expect(tty.err).toEqual([]);

    let t = 0;
    const plain = io(false);
    const q = new Progress(plain.io, { now: () => t, plainInterval: 5 });
    q.update('sweep', 0.1, 30);
    t = 1;
    q.update('sweep', 0.2, 20); // within the interval: dropped
    t = 6;
    q.update('sweep', 0.3, 10);
    q.update('sweep', 1, 0); // the end always shows
    expect(plain.err).toEqual(['sweep  10% ETA 30s', 'sweep  30% ETA 10s', 'sweep 100% ETA 0s']);
  });
});

describe('findings', () => {
  const group = (name: string, varLambda: number, dice: number, sem: number): Group => ({
    group: name,
    label: varLambda ? 'SGD+VAR' : 'SGD',
    optimizer: 'sgd',
    varLambda,
    runIds: [name],
    levels: [{ sparsity: 0.9, seeds: 1, caseDiceMean: dice, caseDiceStdSeeds: null, caseDiceMin: dice, caseDiceMax: dice, caseDiceSemCases: sem, lesionSliceDiceMean: dice }],
  });
  it('calls a difference clear only beyond 0.05 Dice and twice the spread', () => {
    expect(isClear(0.1, 0.02, 0.03)).toBe(true);
    expect(isClear(0.1, 0.06, 0.01)).toBe(false);
    expect(isClear(0.04, 0, 0)).toBe(false);
    expect(findings([group('a', 0, 0.5, 0.02), group('b', 1e-4, 0.8, 0.02)], [0.9])[0]).toMatch(/SGD\+VAR keeps per-case Dice 0\.80 against 0\.50 for SGD \(\+0\.30\): clearly higher/);
    expect(findings([group('a', 0, 0.8, 0.02), group('b', 1e-4, 0.5, 0.02)], [0.9])[0]).toMatch(/clearly LOWER/);
    // A gap already present in the dense models is flagged, not sold as pruning robustness.
    const withDense = (g: Group, d: number): Group => ({ ...g, levels: [{ ...g.levels[0], sparsity: 0, caseDiceMean: d }, ...g.levels] });
    expect(findings([withDense(group('a', 0, 0.5, 0.02), 0.55), withDense(group('b', 1e-4, 0.9, 0.02), 0.95)], [0.9])[0]).toMatch(/Caution: the dense models already differ \(0\.95 against 0\.55/);
  });
});

describe('var-studio bench', () => {
  it('finds the bench harness of this checkout', () => {
    const found = findBenchEntry();
    expect(found?.entry).toMatch(/bench[\\/]index\.ts$/);
  });
});
