/**
 * Cells: the unit of work of an experiment. The plan (`experiment.json` in the output folder)
 * lists one cell per method x lambda x seed; each cell is trained and swept on its own (locally,
 * in parallel processes, or as a Slurm array task / Kubernetes indexed pod) and leaves its own
 * record (`cells/<key>.json`). Collecting reads the records; nothing else is shared.
 */
import { z } from 'zod';
import { optimizerMethods } from '../train/optimizerConfig';
import { ExperimentConfigSchema } from './config';
import { expandGrid } from './grid';

export const PlannedCellSchema = z.object({
  /** Position in the plan: the Slurm array task id / Kubernetes completion index. */
  index: z.number().int().nonnegative(),
  key: z.string(),
  group: z.string(),
  label: z.string(),
  method: z.enum(optimizerMethods),
  varLambda: z.number().min(0),
  seed: z.number().int(),
});
export type PlannedCell = z.infer<typeof PlannedCellSchema>;

export const PlanSchema = z.object({
  version: z.literal(2),
  name: z.string(),
  preset: z.string().optional(),
  config: ExperimentConfigSchema,
  createdAt: z.string(),
  cells: z.array(PlannedCellSchema).min(1),
  /**
   * Another experiment's folder whose completed runs the cells take instead of training, each
   * where the training config is the same (`sameTraining`): an ablation of the sweep re-sweeps
   * the runs it already has. Cells without such a run train as usual.
   */
  reuseRunsFrom: z.string().optional(),
});
export type Plan = z.infer<typeof PlanSchema>;

/** One phase of a cell in one session: when it ran (ISO times) and for how long. */
export const CellPhaseSchema = z.object({ startedAt: z.string(), finishedAt: z.string(), seconds: z.number().nonnegative() });
export type CellPhase = z.infer<typeof CellPhaseSchema>;

export const cellStatuses = ['training', 'sweeping', 'completed', 'failed', 'cancelled'] as const;
export type CellStatus = (typeof cellStatuses)[number];

export const CellRecordSchema = z.object({
  version: z.literal(1),
  key: z.string(),
  index: z.number().int().nonnegative(),
  status: z.enum(cellStatuses),
  /** Run directory under `<out>/runs`. */
  runId: z.string().optional(),
  /** The run directory the run was taken from (`Plan.reuseRunsFrom`); absent when the cell trained it. */
  reusedFrom: z.string().optional(),
  /** The completed sweep of the run (set with status completed). */
  sweepId: z.string().optional(),
  /** Where the cell last ran (host name, process id), for the missing/failed list. */
  host: z.string(),
  pid: z.number().int(),
  updatedAt: z.string(),
  train: CellPhaseSchema.optional(),
  sweep: CellPhaseSchema.optional(),
  error: z.object({ code: z.string(), what: z.string(), hint: z.string(), file: z.string().optional() }).optional(),
});
export type CellRecord = z.infer<typeof CellRecordSchema>;

/** The cells of a config, in grid order (index = position). */
export function planCells(config: z.infer<typeof ExperimentConfigSchema>): PlannedCell[] {
  return expandGrid(config).map((c, index) => ({
    index,
    key: c.key,
    group: c.group,
    label: c.label,
    method: c.method,
    varLambda: c.varLambda,
    seed: c.seed,
  }));
}
