/** Input and output schemas of the export.* calls (entries in src/shared/api/contract.ts). */
import { z } from 'zod';
import { ModelCardSchema } from '../../export/card';
import {
  ExportFormatSchema,
  ExportIndexEntrySchema,
  ExportLevelSchema,
  ExportResultSchema,
  ExportTargetsSchema,
  PruneSummarySchema,
  SizeReportSchema,
  WeightPrecisionSchema,
} from '../../export/schemas';
import { JobIdSchema, JobSchema } from './jobs';

const RunIdSchema = z.string().min(1).max(128);

export const ExportRunInputSchema = ExportLevelSchema.extend({
  runId: RunIdSchema,
  /** Client-chosen job id (unique in this session), so a view can follow its job's events from the first one. */
  jobId: JobIdSchema.optional(),
})
  .extend(ExportTargetsSchema.shape)
  .strict();

/** The queued export job (kind "export"); its result: export.result once the job completed. */
export const ExportRunOutputSchema = JobSchema;

export const ExportResultInputSchema = z.object({ jobId: JobIdSchema }).strict();
export const ExportResultOutputSchema = ExportResultSchema.extend({ jobId: z.string() });

export const ExportPreviewInputSchema = ExportLevelSchema.extend({ runId: RunIdSchema })
  .extend(ExportTargetsSchema.omit({ overwrite: true }).shape)
  .strict();

export const ExportPreviewOutputSchema = z.object({
  prune: PruneSummarySchema,
  /** One entry per format x precision: where it would go, what is already there, how big it is. */
  artifacts: z.array(
    z.object({
      format: ExportFormatSchema,
      weights: WeightPrecisionSchema,
      dir: z.string(),
      /** Files of this export that already exist (saving them needs overwrite). */
      existing: z.array(z.string()),
      size: SizeReportSchema,
    }),
  ),
  /** Card of the first artifact, without the exported file's measurements. */
  card: ModelCardSchema,
  markdown: z.string(),
});

export const ExportListInputSchema = z.object({ runId: RunIdSchema.optional() }).strict().optional();

export const ExportableRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  method: z.string(),
  varLambda: z.number(),
  createdAt: z.string(),
  /** Final weights (model/) or at least a checkpoint exist. */
  exportable: z.boolean(),
  /** Levels of the run's pruning sweep, when it has one. */
  sweepLevels: z.array(z.object({ sparsity: z.number(), dice: z.number().nullable() })),
  exportsDir: z.string(),
});

export const ExportListOutputSchema = z.object({
  runsRoot: z.string(),
  runs: z.array(ExportableRunSchema),
  /** Previous exports (of runId, or of every run), newest first; present = its files are still there. */
  exports: z.array(ExportIndexEntrySchema.extend({ present: z.boolean() })),
});

/** Electron: the native folder dialog. Browser mode has none (available false): the user types a path. */
export const ExportPickFolderInputSchema = z.object({}).strict().optional();
export const ExportPickFolderOutputSchema = z.object({ available: z.boolean(), path: z.string().optional() });
