/**
 * Payloads of the `datasets.*` calls (the Data view and every service that needs a dataset).
 * contract.ts lists the calls and references these schemas; the shapes mirror
 * src/shared/data/types.ts (CaseInfo, DatasetSummary) so one name keeps one meaning.
 */
import { z } from 'zod';

export const DatasetFormatSchema = z.enum(['phantom', 'lgg', 'dicom', 'nifti', 'png', 'decathlon', 'brats']);

const Spacing = z.tuple([z.number(), z.number()]);

export const CaseInfoSchema = z.object({
  id: z.string(),
  patientId: z.string(),
  sliceCount: z.number().int().nonnegative(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  channels: z.number().int().nonnegative(),
  spacing: Spacing.optional(),
  sliceThickness: z.number().optional(),
  hasMask: z.boolean(),
  lesionSlices: z.number().int().nonnegative(),
});

/** `summarize()` of src/node/data plus the registry id and a display label. */
export const DatasetSummarySchema = z.object({
  /** Registry id of this opened dataset (valid until closed or the studio restarts). */
  id: z.string(),
  /** Short human name: the folder name, "Phantoms (seed 1)", "3 uploaded files". */
  label: z.string(),
  format: DatasetFormatSchema,
  root: z.string(),
  caseCount: z.number().int().nonnegative(),
  sliceCount: z.number().int().nonnegative(),
  channels: z.array(z.number().int()),
  shapes: z.array(z.string()),
  spacing: z.array(Spacing),
  masks: z.object({ withMask: z.number().int(), withoutMask: z.number().int(), lesionSlices: z.number().int() }),
  cases: z.array(CaseInfoSchema),
  warnings: z.array(z.string()),
  /** What the open checked (every slice decoded, or headers only) and what it found. */
  quality: z.object({
    checked: z.enum(['pixels', 'headers']),
    issues: z.array(z.object({ kind: z.enum(['non-finite', 'constant']), caseId: z.string(), file: z.string(), detail: z.string() })),
    skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
  }),
  /** Multi-channel layouts and label maps: channels in model order, those offered, the labels found and which count as lesion. */
  choices: z
    .object({
      channels: z.array(z.string()).optional(),
      availableChannels: z.array(z.string()).optional(),
      labels: z.array(z.object({ value: z.number().int(), name: z.string().optional() })).optional(),
      lesionLabels: z.array(z.number().int()).optional(),
    })
    .optional(),
  openedAt: z.string(),
});

/** Channel order and lesion labels of a multi-channel layout or label map (as `data.channels` / `data.labels` of a run). */
export const DataChoiceSchema = z.object({
  /** Channel names in the order the model gets them (a subset is allowed). */
  channels: z.array(z.string().min(1).max(100)).min(1).max(16).optional(),
  /** Label values that count as lesion, e.g. BraTS whole tumour [1, 2, 4]. */
  labels: z.array(z.number().int().min(1).max(65535)).min(1).max(64).optional(),
});

export const PhantomsInputSchema = z
  .object({
    cases: z.number().int().min(1).max(512).optional(),
    slicesPerCase: z.number().int().min(1).max(256).optional(),
    size: z.number().int().min(16).max(512).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .strict()
  .optional();

const PathString = z.string().min(1).max(4096);

/** A caller-chosen id for an open: its progress arrives as job.progress (kind "dataset-open") under it, and datasets.cancelOpen stops it. */
const OpenJobId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

export const OpenInputSchema = z.union([
  z.object({ path: PathString, jobId: OpenJobId.optional() }).extend(DataChoiceSchema.shape).strict(),
  /** Several files picked together (a volume and its label, PNG slices and masks). */
  z.object({ paths: z.array(PathString).min(1).max(10_000), jobId: OpenJobId.optional() }).strict(),
]);

export const CancelOpenInputSchema = z.object({ jobId: OpenJobId }).strict();
export const CancelOpenOutputSchema = z.object({ cancelled: z.boolean() });

export const BrowseInputSchema = z.object({ path: PathString.optional() }).strict().optional();

export const BrowseEntrySchema = z.object({
  name: z.string(),
  kind: z.enum(['dir', 'file']),
  size: z.number().nonnegative().optional(),
});

export const BrowseOutputSchema = z.object({
  path: z.string(),
  parent: z.string().optional(),
  /** The starting folder of the browser (home or VAR_STUDIO_DATA_ROOT). */
  home: z.string(),
  entries: z.array(BrowseEntrySchema),
  /** True when the folder holds more entries than listed. */
  truncated: z.boolean(),
});

export const PickInputSchema = z
  .object({ kind: z.enum(['folder', 'files']).optional() })
  .strict()
  .optional();
/** Empty `paths` = the user cancelled the dialog. */
export const PickOutputSchema = z.object({ paths: z.array(z.string()) });

/** Largest decoded chunk of one upload request; its base64 JSON stays under the server's 1 MiB body limit. */
export const UPLOAD_CHUNK_BYTES = 512 * 1024;

const UploadFileSchema = z.object({
  /** Relative path as dropped ("case1/img_1.tif"); never absolute, never "..". */
  name: z.string().min(1).max(1024),
  size: z.number().int().nonnegative(),
});

export const UploadInputSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('begin'), files: z.array(UploadFileSchema).min(1).max(10_000) }).strict(),
  z
    .object({
      action: z.literal('chunk'),
      uploadId: z.string().min(1).max(100),
      file: z.number().int().nonnegative(),
      offset: z.number().int().nonnegative(),
      /** base64 of at most UPLOAD_CHUNK_BYTES bytes. */
      data: z.string().max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4),
    })
    .strict(),
  z.object({ action: z.literal('finish'), uploadId: z.string().min(1).max(100) }).strict(),
  z.object({ action: z.literal('abort'), uploadId: z.string().min(1).max(100) }).strict(),
]);

export const UploadOutputSchema = z.object({
  uploadId: z.string(),
  /** Bytes received so far over all files. */
  received: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  chunkBytes: z.number().int().positive(),
  /** Set by `finish`: the uploaded files opened as a dataset. */
  dataset: DatasetSummarySchema.optional(),
});

export const SliceInputSchema = z
  .object({
    datasetId: z.string().min(1).max(200),
    caseId: z.string().min(1).max(1000),
    index: z.number().int().nonnegative(),
    /** Channel to send; default FLAIR (1) for 3-channel phantom/LGG data, else 0. */
    channel: z.number().int().nonnegative().optional(),
  })
  .strict();

export const SliceOutputSchema = z.object({
  caseId: z.string(),
  index: z.number().int(),
  sliceCount: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.number().int().positive(),
  channel: z.number().int().nonnegative(),
  /** base64 of little-endian Int16 stored values, row-major; value = stored * slope + intercept. */
  pixels: z.string(),
  slope: z.number(),
  intercept: z.number(),
  /** Real-valued range of the sent channel. */
  min: z.number(),
  max: z.number(),
  window: z.object({ center: z.number(), width: z.number(), auto: z.boolean() }),
  /** RLE mask (src/shared/metrics/encode.ts); absent when the slice has none. */
  mask: z.string().optional(),
  /** The label map the mask was taken from (src/shared/data/labelMap.ts), when it came from one. */
  labels: z.string().optional(),
  lesionPixels: z.number().int().nonnegative(),
  spacing: Spacing.optional(),
  sliceThickness: z.number().optional(),
  /** Direction cosines (LPS), row then column direction: the viewer's orientation markers. */
  orientation: z.array(z.number()).length(6).optional(),
  /** File name or generator id the slice came from. */
  source: z.string(),
});

export const DatasetIdInputSchema = z.object({ id: z.string().min(1).max(200) }).strict();

/** A dataset as the studio holds it open (DatasetSummary + registry id). */
export type OpenedDataset = z.output<typeof DatasetSummarySchema>;
export type BrowseOutput = z.output<typeof BrowseOutputSchema>;
export type SliceOutput = z.output<typeof SliceOutputSchema>;
export type UploadInput = z.output<typeof UploadInputSchema>;
export type UploadOutput = z.output<typeof UploadOutputSchema>;
