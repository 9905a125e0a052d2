import { z } from 'zod';
import { GpuAdapterSchema } from '../backend';
import { optimizerMethods } from '../train/optimizerConfig';
import { ExperimentConfigSchema } from './config';
import { FalsePositiveRateSchema } from '../metrics/schemas';
import { TrainingCheckSchema } from '../run/trainingCheck';
import { VERDICTS } from '../stats/paired';

const Stats = z.object({ mean: z.number().nullable(), std: z.number().nullable(), median: z.number().nullable() });

export const StageSchema = z.object({
  stage: z.enum(['train', 'sweep', 'report']),
  /** tfjs backend name the stage ran on (sweep: plus the scorer, e.g. "wasm + onnxruntime-node"). */
  backend: z.string(),
  /** Wall time of the stage: from the first cell entering it to the last cell leaving it. */
  seconds: z.number().nonnegative(),
  /** Most cells in this stage at the same moment (1 = one after the other). */
  cellsAtOnce: z.number().int().nonnegative().optional(),
  /** Sum of the cells' own times in this stage (equals the wall time when cells ran one at a time). */
  cellSeconds: z.number().nonnegative().optional(),
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
  /**
   * The requested level, a fraction in [0, 1]: a sparsity (unstructured family) or the share of
   * the conv weights / FLOPs removed with their channels (channel family, `sweep.family` of the
   * config; src/shared/sweep/levels.ts names it).
   */
  sparsity: z.number().min(0).max(1),
  /** What the pruning reached: exact sparsity, or the share of the channel target removed (at least the level). Absent in results written before it was recorded. */
  achieved: z.number().min(0).max(1).optional(),
  /** Zeros (unstructured; differs from sparsity with keepFirstLast) or elements removed (channel) over all rank>1 weights. */
  overallSparsity: z.number().min(0).max(1),
  /** Channel family: the conv kernel weights before pruning and left in the rebuilt network. */
  kernelParams: z.object({ before: z.number().int().nonnegative(), after: z.number().int().nonnegative() }).optional(),
  /** Scored slices and cases (the sweep's split). */
  slices: z.number().int().nonnegative(),
  cases: z.number().int().nonnegative(),
  lesionCases: z.number().int().nonnegative(),
  /** Headline: per-case (volume) Dice over the cases with a lesion (src/shared/metrics/score.ts). */
  caseDice: Stats,
  /** Every case's Dice (null for a lesion-free case): what the paired statistics resample. */
  perCase: z.array(z.object({ caseId: z.string(), dice: z.number().nullable() })),
  /** Per-slice Dice over the slices whose true mask is not empty. */
  lesionSliceDice: Stats.extend({ n: z.number().int().nonnegative() }),
  caseIoU: Stats,
  /** Per case, over lesion cases with a prediction; unit in `hd95Unit`. MedPy's pooled definition. */
  hd95Pooled: Stats,
  /** MONAI's definition: max of the two directed 95th percentiles. */
  hd95MaxDirected: Stats,
  hd95Unit: z.enum(['mm', 'px']),
  falsePositiveEmptySlices: FalsePositiveRateSchema,
  falsePositiveEmptyCases: FalsePositiveRateSchema,
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
  /** The run directory of another experiment this run was taken from (`--reuse-runs`): trained there, in trainSeconds. */
  reusedFrom: z.string().optional(),
  sweepId: z.string().optional(),
  sweepSeconds: z.number().nonnegative(),
  /** Validation per-case Dice of the dense model after the last epoch. */
  finalValCaseDice: z.number().nullable(),
  /** Failed-training check: a failed run is left out of every comparison and group mean. */
  trainingCheck: TrainingCheckSchema.optional(),
  /** Of the rank>1 weights after training: what VAR acts on and pruning removes. */
  weights: z.object({ count: z.number().int().nonnegative(), std: z.number().nonnegative(), fracBelow1e3: z.number().min(0).max(1) }),
  epochs: z.array(
    z.object({
      epoch: z.number().int(),
      trainLoss: z.number(),
      varPenalty: z.number(),
      valCaseDice: z.number().nullable(),
      seconds: z.number(),
    }),
  ),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** Per group (method + lambda) and level: mean and spread over seeds of each run's mean per-case Dice. */
export const GroupLevelSchema = z.object({
  sparsity: z.number().min(0).max(1),
  seeds: z.number().int().nonnegative(),
  caseDiceMean: z.number().nullable(),
  /** Sample std over seeds; null with one seed. */
  caseDiceStdSeeds: z.number().nullable(),
  caseDiceMin: z.number().nullable(),
  caseDiceMax: z.number().nullable(),
  /** Standard error over cases (with one seed the only spread available). */
  caseDiceSemCases: z.number().nullable(),
  /**
   * 95 % interval of caseDiceMean (src/shared/stats/mean.ts): Student t over the seeds' means
   * with two or more seeds, over the one run's lesion cases with one seed; clipped to [0, 1].
   * What the Dice chart and table draw. Null when there are fewer than two values.
   */
  caseDiceCi: z
    .object({ n: z.number().int(), lo: z.number(), hi: z.number(), over: z.enum(['seeds', 'cases']) })
    .nullable()
    .default(null),
  lesionSliceDiceMean: z.number().nullable(),
});

export const GroupSchema = z.object({
  group: z.string(),
  label: z.string(),
  optimizer: z.enum(optimizerMethods),
  varLambda: z.number().min(0),
  /** Runs in the group's statistics (failed trainings are not). */
  runIds: z.array(z.string()),
  /** Runs of the group left out because their training failed. */
  excludedRunIds: z.array(z.string()).default([]),
  levels: z.array(GroupLevelSchema),
});
export type Group = z.infer<typeof GroupSchema>;

export const MissingCellSchema = z.object({
  index: z.number().int().nonnegative(),
  key: z.string(),
  label: z.string(),
  seed: z.number().int(),
  /** missing: never started; the others as the cell's record says. */
  status: z.enum(['missing', 'training', 'sweeping', 'failed', 'cancelled']),
  what: z.string().optional(),
});
export type MissingCell = z.infer<typeof MissingCellSchema>;

const VerdictSchema = z.enum(VERDICTS);

export const ComparisonSchema = z.object({
  optimizer: z.enum(optimizerMethods),
  varLambda: z.number().positive(),
  without: z.object({ group: z.string(), label: z.string() }),
  with: z.object({ group: z.string(), label: z.string() }),
  sparsity: z.number().min(0).max(1),
  /** Mean per-case Dice of each run of the pair, and with - without. */
  perSeed: z.array(z.object({ seed: z.number().int(), without: z.number(), with: z.number(), diff: z.number() })),
  /** Pairs left out, by run and reason (failed training, no lesion case). */
  excluded: z.array(z.object({ seed: z.number().int(), runId: z.string(), label: z.string(), reason: z.string() })),
  /** 95 % interval of the mean difference; null when no pair is left. */
  interval: z
    .object({
      n: z.number().int().positive(),
      mean: z.number(),
      lo: z.number(),
      hi: z.number(),
      method: z.enum(['t-over-seeds', 'patient-bootstrap']),
    })
    .nullable(),
  /** From the interval and the pairs (src/shared/stats/paired.ts verdictOf): every pair 0 on both sides: both fail; a bootstrap over too few cases: too few cases to judge; else above 0 higher, below 0 lower, otherwise no clear difference. */
  verdict: VerdictSchema.nullable(),
});
export type Comparison = z.infer<typeof ComparisonSchema>;

export const FindingSchema = z.object({
  sparsity: z.number(),
  with: z.string(),
  without: z.string(),
  /** The structured verdict the report colours by; null when there was nothing to compare. */
  verdict: VerdictSchema.nullable(),
  text: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;

/**
 * The results.json version this build writes. 4 added the verdict "both fail"; a version 3 file
 * has the same fields and a subset of the verdicts, so it is read as it is, its verdicts as
 * written (by version 3's rule a level where both sides score 0 reads "no clear difference").
 */
export const RESULTS_VERSION = 4;

export const ResultsSchema = z.object({
  version: z.union([z.literal(RESULTS_VERSION), z.literal(3)]),
  experiment: z.object({ name: z.string(), preset: z.string().optional(), config: ExperimentConfigSchema }),
  /** partial: collected while some cells were missing or failed (listed in `missing`). */
  status: z.enum(['completed', 'partial', 'cancelled', 'failed']),
  /** Planned cells without a completed run and sweep: not in any number of this file. */
  missing: z.array(MissingCellSchema).default([]),
  createdAt: z.string(),
  finishedAt: z.string(),
  /** Machine facts next to the timings: they depend on it. */
  host: z.object({ cpus: z.number().int().positive(), loadAverage: z.array(z.number()), platform: z.string(), node: z.string() }),
  backend: z.object({ name: z.string(), detail: z.string(), adapter: GpuAdapterSchema.optional() }),
  stages: z.array(StageSchema),
  totalSeconds: z.number().nonnegative(),
  runs: z.array(RunSummarySchema),
  groups: z.array(GroupSchema),
  entries: z.array(ResultEntrySchema),
  /** Per pair (method with VAR, same method without) and level: paired differences, interval, verdict. */
  comparisons: z.array(ComparisonSchema),
  /** The statements the report leads with, at the headline levels; computed from `comparisons`. */
  findings: z.array(FindingSchema),
});
export type Results = z.infer<typeof ResultsSchema>;
