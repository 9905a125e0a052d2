import { z } from 'zod';
import { BackendPreferenceSchema } from '../backend';
import { ModelConfigSchema } from '../model/config';
import { AugmentConfigSchema } from '../train/augment';
import { ascentMatters, OptimizerConfigSchema } from '../train/optimizerConfig';
import { ScheduleConfigSchema } from '../train/schedule';
import { parseWith } from '../validate';
import { MAX_PHANTOM_VALUES, PHANTOM_SIZE_HINT, phantomValues } from '../data/phantoms';

export const RunDataSchema = z.discriminatedUnion('kind', [
  /** The built-in seeded phantoms, generated in memory. */
  z
    .object({
      kind: z.literal('phantoms'),
      count: z.number().int().min(1).max(100000),
      slicesPerCase: z.number().int().min(1).max(4096),
      size: z.number().int().min(1).max(2048),
      seed: z.number().int().min(0),
    })
    .strict()
    .refine((d) => phantomValues(d) <= MAX_PHANTOM_VALUES, { message: `too large: ${PHANTOM_SIZE_HINT}`, path: ['count'] }),
  /** A dataset on disk (LGG folder, DICOM series, NIfTI, PNG slices). */
  z
    .object({
      kind: z.literal('path'),
      path: z.string().min(1),
      format: z.enum(['lgg', 'dicom', 'nifti', 'png', 'decathlon', 'brats']).optional(),
      /** Decathlon/nnU-Net and BraTS layouts: channel names in the order the model gets them (default: the layout's). */
      channels: z.array(z.string().min(1).max(100)).min(1).max(16).optional(),
      /** Integer label maps: the values that count as lesion, e.g. BraTS whole tumour [1, 2, 4]; default every non-zero. */
      labels: z.array(z.number().int().min(0).max(65535)).min(1).max(64).optional(),
      /**
       * Train even though the data check found NaN/Inf voxels or blank (constant) volumes.
       * Default false: such data is refused, naming the files.
       */
      acceptDataIssues: z.boolean().optional(),
    })
    .strict(),
]);
export type RunData = z.infer<typeof RunDataSchema>;

export const SplitFractionsSchema = z
  .object({ train: z.number().gt(0).max(1), val: z.number().min(0).max(1), test: z.number().min(0).max(1) })
  .strict()
  .refine((s) => Math.abs(s.train + s.val + s.test - 1) < 1e-6, { message: 'train + val + test must be 1' });

/**
 * Everything that defines a run, serialisable: the same RunConfig on the same backend gives
 * the same weights (model init, split, shuffling, augmentation and CrAM draws are all seeded).
 */
export const RunConfigSchema = z
  .object({
    name: z.string().min(1).max(200),
    model: ModelConfigSchema,
    optimizer: OptimizerConfigSchema,
    epochs: z.number().int().min(1).max(100000),
    batchSize: z.number().int().min(1).max(4096),
    schedule: ScheduleConfigSchema.prefault({ kind: 'cosine', warmupFraction: 0.05 }),
    /** null = no augmentation. prefault: the inner defaults apply to an omitted field. */
    augment: AugmentConfigSchema.nullable().prefault({}),
    /**
     * The run seed: shuffling, augmentation and optimizer draws (the model's initialisation has
     * its own `model.seed`). It never moves the patient split: that is `dataSeed`'s.
     */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    /**
     * The data seed: fixes the patient split, and nothing else, so runs that differ only in their
     * seeds are trained and scored on the same patients. New runs get DEFAULT_DATA_SEED when it
     * is left out. Absent in run configs written before it existed: those runs were split with
     * `seed`, and `splitSeed` keeps reading them that way.
     */
    dataSeed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    data: RunDataSchema,
    split: SplitFractionsSchema.prefault({ train: 0.7, val: 0.15, test: 0.15 }),
    backend: BackendPreferenceSchema.default('auto'),
    /** Data-parallel gradient workers; 0 or 1 = gradients in the training thread. */
    workers: z.number().int().min(0).max(64).default(0),
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema>;

/** The data seed of a new run whose config leaves it out. */
export const DEFAULT_DATA_SEED = 0;

/** The seed of the patient split: the data seed, or the run seed for runs made before the data seed existed. */
export const splitSeed = (c: Pick<RunConfig, 'seed' | 'dataSeed'>): number => c.dataSeed ?? c.seed;
export type RunConfigInput = z.input<typeof RunConfigSchema>;

/**
 * A stored run record as written before `optimizer.ascent` existed: its SAM / CrAM runs ascended
 * on the data gradient, so it reads as `ascent: 'data'` (a resume continues the same method, and
 * the record says what was trained). Records with the field, and other input, pass unchanged.
 */
export function withLegacyAscent(rawRecord: unknown): unknown {
  if (typeof rawRecord !== 'object' || rawRecord === null) return rawRecord;
  const rec = rawRecord as { config?: { optimizer?: Record<string, unknown> } };
  const opt = rec.config?.optimizer;
  if (typeof opt !== 'object' || opt === null || 'ascent' in opt) return rawRecord;
  return { ...rec, config: { ...rec.config, optimizer: { ...opt, ascent: 'data' } } };
}

/** Objects with their keys sorted, recursively: two configs compare equal whatever order their fields came in. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, canonical(o[k])]),
  );
}

/**
 * Whether two run configs train the same weights (on the same backend): every field equal after
 * defaults, except the name (a label) and `optimizer.ascent` where it changes nothing
 * (`ascentMatters`). An experiment reuses a completed run on this rule instead of training again.
 */
export function sameTraining(a: RunConfigInput, b: RunConfigInput): boolean {
  const key = (raw: RunConfigInput): string | undefined => {
    const r = RunConfigSchema.safeParse(raw);
    if (!r.success) return undefined;
    const { name: _label, ...c } = r.data;
    const optimizer = ascentMatters(c.optimizer) ? c.optimizer : { ...c.optimizer, ascent: undefined };
    return JSON.stringify(canonical({ ...c, optimizer }));
  };
  const ka = key(a);
  return ka !== undefined && ka === key(b);
}

/** Validates untrusted input (API calls, CLI flags, run.json) into a RunConfig with defaults. */
export function parseRunConfig(raw: unknown): RunConfig {
  return parseWith(RunConfigSchema, raw, {
    subject: 'run config',
    hint: 'Fix the listed fields; model and optimizer have presets to start from',
  });
}
