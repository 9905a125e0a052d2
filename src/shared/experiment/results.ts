import { z } from 'zod';
import { optimizerMethods } from '../train/optimizerConfig';
import { ExperimentConfigSchema } from './config';

const Stats = z.object({ mean: z.number().nullable(), std: z.number().nullable(), median: z.number().nullable() });

export const StageSchema = z.object({
  stage: z.enum(['train', 'sweep', 'report']),
  /** tfjs backend name the stage ran on (sweep: plus the scorer, e.g. "wasm + onnxruntime-node"). */
  backend: z.string(),
  /** Wall time of the stage in this session (plus earlier sessions' training when resumed). */
  seconds: z.number().nonnegative(),
});
export type Stage = z.infer<typeof StageSchema>;

/** One run at one sparsity level: the row a researcher plots. */
export const ResultEntrySchema = z.object({
  run: z.string(),
  runId: z.string(),
  group: z.string(),
  label: z.string(),
  optimizer: z.enum(optimizerMethods),
  /** 0 when VAR is off. */
  varLambda: z.number().min(0),
  seed: z.number().int(),
  /** Requested sparsity, a fraction in [0, 1]. */
  sparsity: z.number().min(0).max(1),
  /** Zeros over all rank>1 weights (differs from sparsity with keepFirstLast). */
  overallSparsity: z.number().min(0).max(1),
  /** Scored slices (the sweep's split). */
  slices: z.number().int().nonnegative(),
  /** Dice over every scored slice (an empty true mask predicted empty = 1). */
  dice: Stats,
  /** Dice over slices whose true mask is not empty (the lesion slices only). */
  diceLesion: Stats.extend({ n: z.number().int().nonnegative() }),
  iou: Stats,
  /** Over slices where both masks are non-empty; unit in `hd95Unit`. */
  hd95: Stats,
  hd95Unit: z.enum(['mm', 'px']),
  backend: z.string(),
  trainSeconds: z.number().nonnegative(),
  sweepSeconds: z.number().nonnegative(),
});
export type ResultEntry = z.infer<typeof ResultEntrySchema>;

export const RunSummarySchema = z.object({
  key: z.string(),
  runId: z.string(),
  name: z.string(),
  group: z.string(),
  label: z.string(),
  optimizer: z.enum(optimizerMethods),
  varLambda: z.number().min(0),
  seed: z.number().int(),
  status: z.enum(['running', 'completed', 'cancelled', 'failed']),
  backend: z.string(),
  trainSeconds: z.number().nonnegative(),
  sweepId: z.string().optional(),
  sweepSeconds: z.number().nonnegative(),
  finalValDice: z.number().nullable(),
  /** Of the rank>1 weights after training: what VAR acts on and pruning removes. */
  weights: z.object({ count: z.number().int().nonnegative(), std: z.number().nonnegative(), fracBelow1e3: z.number().min(0).max(1) }),
  epochs: z.array(z.object({ epoch: z.number().int(), trainLoss: z.number(), varPenalty: z.number(), valDice: z.number().nullable(), seconds: z.number() })),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** Per group (method + lambda) and level: mean and spread over seeds of the per-run mean Dice. */
export const GroupLevelSchema = z.object({
  sparsity: z.number().min(0).max(1),
  seeds: z.number().int().nonnegative(),
  diceMean: z.number().nullable(),
  /** Sample std over seeds; null with one seed. */
  diceStdSeeds: z.number().nullable(),
  diceMin: z.number().nullable(),
  diceMax: z.number().nullable(),
  /** Standard error over slices (with one seed the only spread available). */
  diceSemSlices: z.number().nullable(),
  diceLesionMean: z.number().nullable(),
});

export const GroupSchema = z.object({
  group: z.string(),
  label: z.string(),
  optimizer: z.enum(optimizerMethods),
  varLambda: z.number().min(0),
  runIds: z.array(z.string()),
  levels: z.array(GroupLevelSchema),
});
export type Group = z.infer<typeof GroupSchema>;

export const ResultsSchema = z.object({
  version: z.literal(1),
  experiment: z.object({ name: z.string(), preset: z.string().optional(), config: ExperimentConfigSchema }),
  status: z.enum(['completed', 'cancelled', 'failed']),
  createdAt: z.string(),
  finishedAt: z.string(),
  /** Machine facts next to the timings: they depend on it. */
  host: z.object({ cpus: z.number().int().positive(), loadAverage: z.array(z.number()), platform: z.string(), node: z.string() }),
  backend: z.object({ name: z.string(), detail: z.string() }),
  stages: z.array(StageSchema),
  totalSeconds: z.number().nonnegative(),
  runs: z.array(RunSummarySchema),
  groups: z.array(GroupSchema),
  entries: z.array(ResultEntrySchema),
  /** Plain-language statements the report leads with (also for scripts that only want the verdict). */
  findings: z.array(z.string()),
});
export type Results = z.infer<typeof ResultsSchema>;
