/**
 * Reader for old sweep records. Versions 2 and 3 lack only newer fields (see below). Version 1
 * levels called their per-SLICE rows `perCase` and summarised them with a per-slice mean where an empty slice predicted empty counted 1. Such a
 * record is re-scored from its stored masks by the scoring module, so old and new sweeps show
 * the same numbers by the same policy.
 */
import { z } from 'zod';
import { decodeMask } from '../metrics/encode';
import { scoreSegmentation } from '../metrics/score';
import { SweepConfigSchema } from './config';
import { LayerSparsitySchema, SweepRecordSchema, type SweepRecord } from './result';

const V1SliceSchema = z.object({
  caseId: z.string(),
  index: z.number().int().nonnegative(),
  hd95: z.number().nullable(),
  pred: z.string(),
});

const V1RecordSchema = z
  .object({
    version: z.literal(1),
    config: SweepConfigSchema,
    inputShape: z.array(z.number().int().positive()),
    slices: z.array(z.object({ caseId: z.string(), index: z.number().int().nonnegative(), truth: z.string() })),
    levels: z.array(
      z
        .object({
          sparsity: z.number(),
          achieved: z.number(),
          overall: z.number(),
          threshold: z.number().optional(),
          perLayer: z.array(LayerSparsitySchema),
          perCase: z.array(V1SliceSchema),
          bn: z.object({ layers: z.number().int().nonnegative(), images: z.number().int().nonnegative() }).optional(),
          onnxBytes: z.number().int().positive().optional(),
          seconds: z.number().nonnegative(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

/**
 * A record of any version as the current one (4); throws a ZodError when it is none of them.
 * Version 3 only lacks the device measurements: its levels have no `measured` and its config
 * says `measure: 'none'` (not the schema default, which would claim sizes that were never
 * recorded). Version 2 also lacks the pruning family: its config reads as
 * `family: 'unstructured'` (the schema default), the only family there was.
 */
export function upgradeSweepRecord(raw: unknown): SweepRecord {
  const v = (raw as { version?: unknown } | null)?.version;
  if (v === 2 || v === 3) {
    const r = raw as { config?: object };
    return SweepRecordSchema.parse({ ...r, version: 4, config: { ...r.config, measure: 'none' } });
  }
  if (v !== 1) return SweepRecordSchema.parse(raw);
  const old = V1RecordSchema.parse(raw);
  const [h, w] = old.inputShape;
  const truths = old.slices.map((s) => decodeMask(s.truth, h * w));
  const levels = old.levels.map((l) => {
    const { perCase: rows, ...rest } = l;
    // Only the level's own fields survive; v1's per-slice aggregates are replaced.
    const keep = {
      sparsity: rest.sparsity,
      achieved: rest.achieved,
      overall: rest.overall,
      perLayer: rest.perLayer,
      seconds: rest.seconds,
      ...(rest.threshold !== undefined ? { threshold: rest.threshold } : {}),
      ...(rest.bn ? { bn: rest.bn } : {}),
      ...(rest.onnxBytes ? { onnxBytes: rest.onnxBytes } : {}),
    };
    const scored = scoreSegmentation(
      rows.map((r, i) => ({ caseId: r.caseId, index: r.index, pred: decodeMask(r.pred, h * w), truth: truths[i] })),
      [h, w],
    );
    // Slice HD95 keeps the stored value (it may be in mm; the spacing is not in a v1 record).
    const perSlice = scored.perSlice.map((s, i) => ({ ...s, hd95: s.hd95 === null ? null : rows[i].hd95, pred: rows[i].pred }));
    return { ...keep, summary: scored.summary, perSlice, perCase: scored.perCase };
  });
  return SweepRecordSchema.parse({ ...old, version: 4, config: { ...old.config, measure: 'none' }, levels });
}
