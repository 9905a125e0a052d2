import { z } from 'zod';
import { StudioError } from '../errors';
import { parseWith } from '../validate';

/** The paper's grid: dense, then the region where plain training collapses and VAR should not. */
export const DEFAULT_LEVELS: readonly number[] = [0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98];

/** The pruning families a sweep can run (src/shared/prune): magnitude zeros, or whole channels removed. */
export const pruneFamilies = ['unstructured', 'channel'] as const;
export type PruneFamily = (typeof pruneFamilies)[number];

/** What a sweep measures of each level's exported file (see `measure` below). */
export const sweepMeasures = ['none', 'size', 'latency'] as const;
export type SweepMeasure = (typeof sweepMeasures)[number];
/** How the view and the messages name each `measure` choice. */
export const SWEEP_MEASURE_LABELS: Record<SweepMeasure, string> = {
  none: 'nothing',
  size: 'file size',
  latency: 'latency and file size',
};

export const SweepConfigSchema = z
  .object({
    /**
     * unstructured (default): one-shot magnitude pruning, the weights stay in place as zeros.
     * channel: whole conv output channels are removed and the network is rebuilt smaller
     * (src/shared/prune/channel.ts); a level is then the fraction of the kernel weights (or
     * FLOPs, `channelTarget`) removed, below 1 and within what the model allows.
     */
    family: z.enum(pruneFamilies).default('unstructured'),
    /** Sparsity fractions in [0, 1]; sorted and de-duplicated by `parseSweepConfig`. */
    levels: z
      .array(z.number().min(0).max(1))
      .min(1)
      .max(32)
      .default([...DEFAULT_LEVELS]),
    /** Unstructured family only. */
    scope: z.enum(['global', 'layerwise']).default('global'),
    /** Unstructured family only: leave the stem and the head dense (the channel family never prunes them). */
    keepFirstLast: z.boolean().default(false),
    /** Channel family: which channels go first (smallest filter L1 / L2 norm, or smallest BatchNorm |gamma|). */
    channelCriterion: z.enum(['l1', 'l2', 'bn-gamma']).default('l1'),
    /** Channel family: what a level's fraction counts, kernel weights (params) or forward FLOPs. */
    channelTarget: z.enum(['params', 'flops']).default('params'),
    /** Re-estimate BatchNorm statistics on `batches` x `batchSize` training slices after pruning; null = off. */
    bnReestimate: z
      .object({ batches: z.number().int().min(1).max(1000), batchSize: z.number().int().min(1).max(256).default(8) })
      .strict()
      .nullable()
      .default(null),
    /** onnx: export each pruned copy and score it in onnxruntime-node (also proves the export); tfjs: predict directly. */
    scorer: z.enum(['onnx', 'tfjs']).default('onnx'),
    split: z.enum(['val', 'test']).default('val'),
    /** Probability at or above which a pixel is lesion. */
    threshold: z.number().gt(0).lt(1).default(0.5),
    /** Slices per inference batch. */
    batchSize: z.number().int().min(1).max(512).default(16),
    /** Score only the first N slices of the split (0 = all). */
    maxSlices: z.number().int().min(0).default(0),
    /**
     * What the device gets, per level (src/node/sweep/measure.ts): `size` (default, cheap) writes
     * the level's fp32 ONNX file with the export's writer and records its bytes and gzip bytes;
     * `latency` also times that file in onnxruntime-node (batch 1, 1 thread), `latencyRuns`
     * interleaved rounds with the dense model after 3 warm-ups; `none` records neither.
     */
    measure: z.enum(sweepMeasures).default('size'),
    /** `measure: 'latency'`: interleaved rounds (one run of the level's file, one of the dense file each). */
    latencyRuns: z.number().int().min(1).max(200).default(20),
  })
  .strict();

export type SweepConfig = z.infer<typeof SweepConfigSchema>;
export type SweepConfigInput = z.input<typeof SweepConfigSchema>;

/** Validates untrusted input (API, CLI) into a SweepConfig with defaults and sorted unique levels. */
export function parseSweepConfig(raw: unknown): SweepConfig {
  const data = parseWith(SweepConfigSchema, raw ?? {}, {
    subject: 'sweep config',
    hint: 'Levels are fractions in [0, 1], e.g. [0, 0.5, 0.9]; scope is global or layerwise',
  });
  const levels = [...new Set(data.levels)].sort((a, b) => a - b);
  if (data.family === 'channel') {
    if (levels.some((l) => l >= 1)) {
      throw new StudioError({
        code: 'bad-input',
        what: 'A channel-pruning level of 100 % would remove every channel',
        hint: 'Give channel levels below 1, e.g. [0, 0.5, 0.75]',
      });
    }
    if (data.keepFirstLast) {
      throw new StudioError({
        code: 'bad-input',
        what: 'keepFirstLast applies to the unstructured family',
        hint: 'Leave it off: channel pruning never removes channels of the stem or the head',
      });
    }
  }
  return { ...data, levels };
}
