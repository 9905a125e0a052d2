import { z } from 'zod';
import { BackendPreferenceSchema } from '../backend';
import { StudioError } from '../errors';
import { ModelConfigSchema } from '../model/config';
import { RunDataSchema, SplitFractionsSchema } from '../run/config';
import { SweepConfigSchema, sweepMeasures } from '../sweep/config';
import { AugmentConfigSchema } from '../train/augment';
import { ascentKinds, optimizerMethods } from '../train/optimizerConfig';
import { ScheduleConfigSchema } from '../train/schedule';

/**
 * An experiment = one shared training setup run over a grid of methods x VAR lambdas x seeds,
 * then one pruning sweep over every run, then a report. Every grid cell gets the same data,
 * split and schedule, so the cells differ only in what the grid varies.
 */
export const ExperimentConfigSchema = z
  .object({
    name: z.string().min(1).max(80),
    description: z.string().max(2000).default(''),
    model: ModelConfigSchema,
    data: RunDataSchema,
    split: SplitFractionsSchema.prefault({ train: 0.7, val: 0.15, test: 0.15 }),
    epochs: z.number().int().min(1).max(10000),
    batchSize: z.number().int().min(1).max(4096),
    schedule: ScheduleConfigSchema.prefault({ kind: 'cosine', warmupFraction: 0.05 }),
    augment: AugmentConfigSchema.nullable().prefault({}),
    /** Optimizer settings shared by every method (method and varLambda come from the grid). */
    optimizer: z
      .object({
        lr: z.number().positive().max(10),
        momentum: z.number().min(0).max(0.9999).default(0.9),
        weightDecay: z.number().min(0).max(1).default(0),
        nesterov: z.boolean().default(false),
        rho: z.number().min(0).max(10).default(0.05),
        /** Used by cram / cram+ only. */
        cramSparsities: z.array(z.number().min(0).max(0.9999)).min(1).max(32).default([0.5, 0.7, 0.9]),
        /** SAM / CrAM with VAR: the ascent follows the whole objective (default) or the data loss only. */
        ascent: z.enum(ascentKinds).default('objective'),
      })
      .strict(),
    methods: z.array(z.enum(optimizerMethods)).min(1).max(4),
    /** 0 = without VAR. */
    varLambdas: z.array(z.number().min(0).max(1)).min(1).max(16),
    /** Each seed sets the model initialisation and the shuffling/augmentation streams; the data and split stay the same. */
    seeds: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1),
      )
      .min(1)
      .max(32),
    /** Fixes the patient split of every run (default 0): the seeds never move it. */
    dataSeed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    backend: BackendPreferenceSchema.default('auto'),
    /** Data-parallel gradient workers per run (0/1 = in the training thread). */
    workers: z.number().int().min(0).max(64).default(0),
    // `measure` defaults to none here (size in a single sweep): the results and the report show no
    // device measurements, and writing and gzipping every level's file cost about 12 CPU s per
    // cell, half its sweep (docs/cells.md). A config that wants them sets sweep.measure.
    sweep: SweepConfigSchema.extend({ measure: z.enum(sweepMeasures).default('none') }).prefault({}),
    report: z
      .object({
        /** Slices shown in each prediction grid (the scored slices with the largest lesions). */
        gridSlices: z.number().int().min(1).max(16).default(4),
        /** Sparsity levels shown as grid columns; default: 0 and the levels from 80 % up. */
        gridLevels: z.array(z.number().min(0).max(1)).max(12).optional(),
        /** Levels the headline compares (must be in sweep.levels). */
        headlineLevels: z.array(z.number().min(0).max(1)).min(1).max(8).default([0.9, 0.95]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => new Set(c.methods).size === c.methods.length, { message: 'methods must be unique', path: ['methods'] })
  .refine((c) => new Set(c.varLambdas).size === c.varLambdas.length, { message: 'varLambdas must be unique', path: ['varLambdas'] })
  .refine((c) => new Set(c.seeds).size === c.seeds.length, { message: 'seeds must be unique', path: ['seeds'] });

export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfigSchema>;

/** Validates untrusted input (a config file, a preset) into an ExperimentConfig with defaults. */
export function parseExperimentConfig(raw: unknown, source = 'experiment config'): ExperimentConfig {
  const r = ExperimentConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new StudioError({
      code: 'bad-input',
      what: `Invalid ${source}: ${r.error.issues
        .slice(0, 6)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
      hint: 'Start from a preset (`var-studio experiment --preset demo --print-config`) and change only what you need',
    });
  }
  const levels = [...new Set(r.data.sweep.levels)].sort((a, b) => a - b);
  return { ...r.data, sweep: { ...r.data.sweep, levels } };
}

/**
 * An experiment config as stored (experiment.json, results.json) before `optimizer.ascent`
 * existed: its SAM / CrAM runs with VAR ascended on the data loss, so it reads as
 * `ascent: 'data'`, and resuming it with today's default is refused as a different experiment
 * instead of mixing two methods in one grid. Grids without SAM / CrAM + VAR are unaffected.
 */
export function withLegacyExperimentAscent(rawConfig: unknown): unknown {
  if (typeof rawConfig !== 'object' || rawConfig === null) return rawConfig;
  const c = rawConfig as { methods?: unknown; varLambdas?: unknown; optimizer?: Record<string, unknown> };
  const opt = c.optimizer;
  if (typeof opt !== 'object' || opt === null || 'ascent' in opt) return rawConfig;
  const ascends = Array.isArray(c.methods) && c.methods.some((m) => m !== 'sgd');
  const withVar = Array.isArray(c.varLambdas) && c.varLambdas.some((l) => typeof l === 'number' && l > 0);
  return ascends && withVar ? { ...c, optimizer: { ...opt, ascent: 'data' } } : rawConfig;
}
