import { describe, expect, it } from 'vitest';
import { binarize, decodeMask, encodeMask } from '../../../../src/shared/metrics';

describe('mask encoding', () => {
  it('round-trips empty, full, one-pixel and random masks', () => {
    let s = 3;
    const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const cases = [
      new Uint8Array(0),
      new Uint8Array(100),
      new Uint8Array(100).fill(1),
      Uint8Array.from({ length: 64 }, (_, i) => (i === 63 ? 1 : 0)),
      Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? 1 : 0)),
      Uint8Array.from({ length: 128 * 128 }, () => (rnd() < 0.5 ? 1 : 0)),
    ];
    for (const m of cases) {
      const e = encodeMask(m);
      expect(e.startsWith('r1:')).toBe(true);
      expect(Array.from(decodeMask(e, m.length))).toEqual(Array.from(m));
    }
  });

  it('is compact for a lesion-like blob', () => {
    const m = new Uint8Array(128 * 128);
    for (let r = 40; r < 60; r++) for (let c = 50; c < 75; c++) m[r * 128 + c] = 1;
    expect(encodeMask(m).length).toBeLessThan(120);
    // non-zero values other than 1 count as foreground and decode to 1
    m[0] = 255;
    expect(decodeMask(encodeMask(m))[0]).toBe(1);
  });

  it('rejects corrupt or mismatched data with a StudioError', () => {
    const e = encodeMask(Uint8Array.from([0, 1, 1, 0]));
    expect(() => decodeMask(e, 5)).toThrow(/expected/);
    expect(() => decodeMask('x' + e)).toThrow(/unknown encoding/);
    expect(() => decodeMask('r1:!!!!')).toThrow(/base64/);
    expect(() => decodeMask('r1:BAU=')).toThrow(/exceed/); // length 4, one run of 5
    expect(() => decodeMask('r1:BAE=')).toThrow(/cover/); // length 4, one run of 1
  });

  it('binarize thresholds probabilities at >= 0.5 by default', () => {
    expect(Array.from(binarize(Float32Array.from([0.1, 0.5, 0.9]), 0.5))).toEqual([0, 1, 1]);
  });
});
