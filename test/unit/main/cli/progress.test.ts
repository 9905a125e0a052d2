import { describe, expect, it } from 'vitest';
import { findBenchEntry } from '../../../../src/main/cli/commands/bench';
import { Progress, renderBar } from '../../../../src/main/cli/progress';
import type { CliIO } from '../../../../src/main/cli/types';

const io = (isTTY: boolean) => {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY, signal: new AbortController().signal };
  return { io: value, out, err };
};

describe('terminal progress', () => {
  it('formats bars', () => {
    expect(renderBar(0, 10)).toBe('[          ]');
    expect(renderBar(0.5, 10)).toBe('[=====     ]');
    expect(renderBar(1, 10)).toBe('[==========]');
    expect(renderBar(NaN, 4)).toBe('[    ]');
  });

  it('redraws one line in a terminal and prints rate-limited plain lines otherwise', () => {
    const tty = io(true);
    const drawn: string[] = [];
    const p = new Progress(tty.io, { write: (s) => drawn.push(s), width: 10 });
    p.update('train 1/2', 0.5, 65, 'SGD');
    // eslint-disable-next-line no-control-regex -- the ANSI erase-line sequence is what is checked
    expect(drawn[0]).toMatch(/^\r\x1b\[2Ktrain 1\/2 \[=====\s+\]\s+50% ETA 1:05 SGD/);
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
    expect(plain.err).toEqual(['sweep  10% ETA 0:30', 'sweep  30% ETA 0:10', 'sweep 100% ETA 0:00']);
  });
});

describe('var-studio bench', () => {
  it('finds the bench harness of this checkout', () => {
    const found = findBenchEntry();
    expect(found?.entry).toMatch(/bench[\\/]index\.ts$/);
  });
});
