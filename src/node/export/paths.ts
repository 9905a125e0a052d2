/** Where exports go, and which files an export of one format writes (checked before any work). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRECISION_FORMATS, type ExportFormat, type WeightPrecision } from '../../shared/export/schemas';

export const EXPORTS_DIR = 'exports';
export const CARD_JSON = 'model-card.json';
export const CARD_MD = 'MODEL_CARD.md';
export const ONNX_FILE = 'model.onnx';
export const TFJS_JSON = 'model.json';
export const TFLITE_FILE = 'model.tflite';
/** The one model file each single-file format writes (tfjs writes model.json plus shards). */
export const MODEL_FILE: Record<ExportFormat, string> = { onnx: ONNX_FILE, tfjs: TFJS_JSON, tflite: TFLITE_FILE };

export interface LevelName {
  sparsity: number;
  scope: 'global' | 'layerwise';
  keepFirstLast: boolean;
  family?: 'unstructured' | 'channel';
}

/** `0.9-onnx-fp16`, `0.95-layerwise-kfl-tfjs-int8`, `0.5-channel-onnx-fp32`: sortable, readable, one folder per export. */
export function exportName(level: LevelName, format: ExportFormat, weights: WeightPrecision): string {
  const s = Number(level.sparsity.toFixed(4)).toString();
  if (level.family === 'channel') return [s, 'channel', format, weights].join('-');
  return [s, level.scope === 'layerwise' ? 'layerwise' : '', level.keepFirstLast ? 'kfl' : '', format, weights].filter(Boolean).join('-');
}

/**
 * Output folder of one format x precision: straight into `outDir` when it is the only one,
 * else a named sub-folder of `outDir`; by default `<runDir>/exports/<name>`.
 */
export function exportDir(runDir: string, outDir: string | undefined, single: boolean, name: string): string {
  if (!outDir) return path.join(runDir, EXPORTS_DIR, name);
  return single ? path.resolve(outDir) : path.join(path.resolve(outDir), name);
}

/**
 * The files an export would create in `dir` that already exist. tfjs shard names depend on the
 * byte count, so any existing `group1-shard*` file counts (a stale shard next to a new model.json
 * would be confusing even when not referenced).
 */
export function existingTargets(dir: string, format: ExportFormat): string[] {
  if (!fs.existsSync(dir)) return [];
  const fixed = [MODEL_FILE[format], CARD_JSON, CARD_MD].map((n) => path.join(dir, n));
  const shards =
    format === 'tfjs'
      ? fs
          .readdirSync(dir)
          .filter((n) => /^group1-shard\d+of\d+\.bin$/.test(n))
          .map((n) => path.join(dir, n))
      : [];
  return [...fixed.filter((f) => fs.existsSync(f)), ...shards];
}

export interface Target {
  format: ExportFormat;
  weights: WeightPrecision;
  name: string;
  dir: string;
}

/** The format x precision pairs of a request that cannot be written (int8-qdq is ONNX only); they are skipped. */
export function unsupportedPairs(req: {
  formats: ExportFormat[];
  weights: WeightPrecision[];
}): { format: ExportFormat; weights: WeightPrecision }[] {
  return req.formats.flatMap((format) =>
    req.weights.filter((weights) => !PRECISION_FORMATS[weights].includes(format)).map((weights) => ({ format, weights })),
  );
}

export function exportTargets(
  req: { runDir: string; formats: ExportFormat[]; weights: WeightPrecision[]; outDir?: string } & LevelName,
): Target[] {
  const pairs = req.formats.flatMap((format) =>
    req.weights.filter((weights) => PRECISION_FORMATS[weights].includes(format)).map((weights) => ({ format, weights })),
  );
  const single = pairs.length === 1;
  return pairs.map(({ format, weights }) => {
    const name = exportName(req, format, weights);
    return { format, weights, name, dir: exportDir(path.resolve(req.runDir), req.outDir, single, name) };
  });
}
