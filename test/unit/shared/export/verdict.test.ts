import { describe, expect, it } from 'vitest';
import { computeVerdict } from '../../../../src/shared/export/verdict';

const base = { runtime: 'onnxruntime-node' as const, latencyMs: 10, fileBytes: 4000, gzipBytes: 3600, dice: 0.8 };

describe('export verdict', () => {
  it('reads the ratios and the Dice change off the measurements', () => {
    const v = computeVerdict({ latencyMs: 3.7, fileBytes: 1000, gzipBytes: 900, dice: 0.79 }, base);
    expect(v.speedup).toBeCloseTo(10 / 3.7, 10);
    expect(v.fileRatio).toBe(4);
    expect(v.gzipRatio).toBe(4);
    expect(v.deltaDice).toBeCloseTo(-0.01, 10);
    expect(v.line).toBe(
      '2.70x faster, file 4.0x smaller (gzip 4.0x smaller), 0.010 Dice lower (vs the dense float32 model in onnxruntime-node)',
    );
  });

  it('says "same" inside the noise bands, "slower"/"larger"/"higher" when so, and n/a without Dice', () => {
    expect(computeVerdict({ latencyMs: 10.2, fileBytes: 4000, gzipBytes: 1200, dice: 0.8001 }, base).line).toBe(
      'same speed (0.98x, within timing noise), file same size (gzip 3.0x smaller), same Dice (+0.0001) (vs the dense float32 model in onnxruntime-node)',
    );
    expect(computeVerdict({ latencyMs: 20, fileBytes: 8000, gzipBytes: 3600, dice: 0.85 }, base).line).toBe(
      '2.00x slower, file 2.0x larger (gzip same size), 0.050 Dice higher (vs the dense float32 model in onnxruntime-node)',
    );
    expect(computeVerdict({ latencyMs: 10, fileBytes: 4000, gzipBytes: 3600, dice: null }, base).line).toMatch(
      /Dice n\/a \(no case with a lesion\)/,
    );
    expect(computeVerdict({ latencyMs: 10, fileBytes: 4000, gzipBytes: 3600, dice: null }, { ...base, dice: null }, false).line).toMatch(
      /Dice not measured yet/,
    );
  });
});

describe('export verdict timing noise', () => {
  it('calls a speed difference only when the middle halves of the interleaved timings do not overlap', () => {
    const b = { ...base, latencyQ25Ms: 9, latencyQ75Ms: 11 };
    expect(
      computeVerdict({ latencyMs: 5, latencyQ25Ms: 4.5, latencyQ75Ms: 5.5, fileBytes: 4000, gzipBytes: 3600, dice: 0.8 }, b).line,
    ).toMatch(/^2\.00x faster/);
    expect(
      computeVerdict({ latencyMs: 5, latencyQ25Ms: 4, latencyQ75Ms: 9.5, fileBytes: 4000, gzipBytes: 3600, dice: 0.8 }, b).line,
    ).toMatch(/^same speed \(2\.00x, within timing noise\)/);
    expect(
      computeVerdict({ latencyMs: 5, latencyQ25Ms: 4.5, latencyQ75Ms: 5.5, runs: 5, fileBytes: 4000, gzipBytes: 3600, dice: 0.8 }, b).line,
    ).toMatch(/^speed not called \(2\.00x from only 5 runs\)/);
    expect(
      computeVerdict({ latencyMs: 20, latencyQ25Ms: 10.5, latencyQ75Ms: 30, fileBytes: 4000, gzipBytes: 3600, dice: 0.8 }, b).line,
    ).toMatch(/^same speed \(0\.50x, within timing noise\)/);
  });
});
