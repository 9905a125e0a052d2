import { describe, expect, it } from 'vitest';
import {
  ExportIndexEntrySchema,
  ExportTargetsSchema,
  WeightPrecisionSchema,
  canonicalWeightPrecision,
} from '../../../../src/shared/export/schemas';

describe('weight precision names', () => {
  it('reads the legacy "int8" as weight-only int8 everywhere a precision is parsed', () => {
    expect(WeightPrecisionSchema.parse('int8')).toBe('int8-weights');
    expect(canonicalWeightPrecision('int8')).toBe('int8-weights');
    expect(canonicalWeightPrecision('fp16')).toBe('fp16');
    // an index entry written by an earlier version
    const old = {
      runId: 'r',
      dir: '/x',
      format: 'onnx',
      weights: 'int8',
      sparsity: 0.9,
      scope: 'global',
      keepFirstLast: false,
      createdAt: 'now',
      fileBytes: 1,
      gzipBytes: 1,
      dice: null,
      deltaDice: null,
    };
    expect(ExportIndexEntrySchema.parse(old).weights).toBe('int8-weights');
  });

  it('rejects unknown names and the same precision under its old and new name', () => {
    expect(WeightPrecisionSchema.safeParse('int4').success).toBe(false);
    expect(ExportTargetsSchema.safeParse({ formats: ['onnx'], weights: ['int8', 'int8-weights'] }).success).toBe(false);
    expect(ExportTargetsSchema.parse({ formats: ['onnx'], weights: ['int8'] }).weights).toEqual(['int8-weights']);
  });
});

describe('int8-qdq is ONNX only', () => {
  it('skips the tfjs x int8-qdq pair and names it', async () => {
    const { exportTargets, unsupportedPairs } = await import('../../../../src/node/export/paths');
    const req = {
      runDir: '/r',
      sparsity: 0.9,
      scope: 'global' as const,
      keepFirstLast: false,
      formats: ['onnx', 'tfjs'] as ('onnx' | 'tfjs')[],
      weights: ['int8-weights', 'int8-qdq'] as ('int8-weights' | 'int8-qdq')[],
    };
    expect(exportTargets(req).map((t) => `${t.format}-${t.weights}`)).toEqual(['onnx-int8-weights', 'onnx-int8-qdq', 'tfjs-int8-weights']);
    expect(unsupportedPairs(req)).toEqual([{ format: 'tfjs', weights: 'int8-qdq' }]);
  });
});

describe('int8-full is TFLite only', () => {
  it('writes tflite x int8-full, skips the onnx and tfjs pairs and names them', async () => {
    const { exportTargets, unsupportedPairs } = await import('../../../../src/node/export/paths');
    const req = {
      runDir: '/r',
      sparsity: 0,
      scope: 'global' as const,
      keepFirstLast: false,
      formats: ['onnx', 'tfjs', 'tflite'] as ('onnx' | 'tfjs' | 'tflite')[],
      weights: ['int8-qdq', 'int8-full'] as ('int8-qdq' | 'int8-full')[],
    };
    expect(exportTargets(req).map((t) => t.name)).toEqual(['0-onnx-int8-qdq', '0-tflite-int8-full']);
    expect(unsupportedPairs(req)).toEqual([
      { format: 'onnx', weights: 'int8-full' },
      { format: 'tfjs', weights: 'int8-qdq' },
      { format: 'tfjs', weights: 'int8-full' },
      { format: 'tflite', weights: 'int8-qdq' },
    ]);
  });
});
