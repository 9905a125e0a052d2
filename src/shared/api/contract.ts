/**
 * THE API contract between the renderer and the studio services.
 *
 * Every request/response call and every event stream is listed here once, with zod schemas.
 * Both transports (Electron IPC through the preload, HTTP/WebSocket in browser mode) carry exactly
 * these names and payloads; the services host validates inputs, the client validates outputs.
 *
 * To add a call: add one entry to `calls` below, then its handler in `src/main/services/<feature>.ts`
 * (and one line in `src/main/services/index.ts` if the feature module is new).
 * To add an event stream: add one entry to `events`; services emit it with `ctx.events.emit`.
 */
import { z } from 'zod';
import { BackendInfoSchema } from '../backend';
import {
  BrowseInputSchema,
  BrowseOutputSchema,
  CancelOpenInputSchema,
  CancelOpenOutputSchema,
  DatasetIdInputSchema,
  DatasetSummarySchema,
  OpenInputSchema,
  PhantomsInputSchema,
  PickInputSchema,
  PickOutputSchema,
  SliceInputSchema,
  SliceOutputSchema,
  UploadInputSchema,
  UploadOutputSchema,
} from './schemas/datasets';
import { JobSchema, JobsCancelInputSchema, JobsCancelOutputSchema, JobsListInputSchema, JobsListOutputSchema } from './schemas/jobs';
import {
  SweepGetInputSchema,
  SweepGetOutputSchema,
  SweepImagesInputSchema,
  SweepImagesOutputSchema,
  SweepListInputSchema,
  SweepListOutputSchema,
  SweepStartInputSchema,
  SweepStartOutputSchema,
} from './schemas/sweep';
import {
  RunIdInputSchema,
  RunsDeleteOutputSchema,
  RunsFlatnessInputSchema,
  RunsFlatnessOutputSchema,
  RunsGetOutputSchema,
  RunsListInputSchema,
  RunsListOutputSchema,
  TrainingEpochEventSchema,
  TrainingPreflightInputSchema,
  RunsStepsOutputSchema,
  TrainingPreflightOutputSchema,
  TrainingProgressEventSchema,
  TrainingResumeInputSchema,
  TrainingResumeOutputSchema,
  TrainingStartInputSchema,
  TrainingStartOutputSchema,
} from './schemas/training';
import {
  ExportResultInputSchema,
  ExportResultOutputSchema,
  ExportListInputSchema,
  ExportListOutputSchema,
  ExportPickFolderInputSchema,
  ExportPickFolderOutputSchema,
  ExportPreviewInputSchema,
  ExportPreviewOutputSchema,
  ExportRunInputSchema,
  ExportRunOutputSchema,
} from './schemas/export';
import {
  PredictMasksInputSchema,
  PredictMasksOutputSchema,
  PredictResultInputSchema,
  PredictResultOutputSchema,
  PredictStartInputSchema,
  PredictStartOutputSchema,
} from './schemas/predict';

export const ShellSchema = z.enum(['electron', 'browser']);

export const AppInfoSchema = z.object({
  version: z.string(),
  shell: ShellSchema,
  backend: BackendInfoSchema,
  /** `process.platform`-style name plus architecture, e.g. "linux x64". */
  platform: z.string(),
});

/** Progress of any long job (training, sweep, export, ...). One stream for all kinds; `kind` is the job's kind. */
export const JobProgressSchema = z.object({
  jobId: z.string().min(1),
  kind: z.string().min(1),
  /** 0..1 */
  fraction: z.number().min(0).max(1),
  etaSeconds: z.number().nonnegative().optional(),
  message: z.string().optional(),
  step: z.number().int().nonnegative().optional(),
  totalSteps: z.number().int().nonnegative().optional(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']).optional(),
  /** Numbers worth plotting live (loss, dice, lr...). */
  metrics: z.record(z.string(), z.number()).optional(),
});

/** A request/response call: `input` is validated by the services host, `output` by the client. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  summary: string;
}

function call<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): CallSpec<I, O> {
  return { input, output, summary };
}

const NoInput = z.object({}).strict().optional();

export const calls = {
  'app.info': call('Version, shell, compute backend and platform of this studio', NoInput, AppInfoSchema),
  'app.ping': call(
    'Echo for transport tests; with emitProgress it also emits one job.progress event',
    z.object({ message: z.string().max(1000), emitProgress: z.boolean().optional() }).strict(),
    z.object({ message: z.string(), receivedAt: z.string() }),
  ),
  'datasets.phantoms': call('Generate and open the built-in brain-MRI phantom set', PhantomsInputSchema, DatasetSummarySchema),
  'datasets.open': call('Open a folder or file(s) on the studio machine as a dataset', OpenInputSchema, DatasetSummarySchema),
  'datasets.cancelOpen': call(
    'Stop an open that is still checking its data (by the jobId given to datasets.open); it fails with code cancelled',
    CancelOpenInputSchema,
    CancelOpenOutputSchema,
  ),
  'datasets.list': call('Datasets open in this session, oldest first', NoInput, z.array(DatasetSummarySchema)),
  'datasets.close': call('Forget an open dataset (and delete its uploaded files)', DatasetIdInputSchema, z.object({ closed: z.boolean() })),
  'datasets.browse': call('List one folder of the studio machine (folder browser of browser mode)', BrowseInputSchema, BrowseOutputSchema),
  'datasets.pick': call('Native open dialog (Electron only)', PickInputSchema, PickOutputSchema),
  'datasets.upload': call('Upload dropped files in chunks (browser mode), then open them', UploadInputSchema, UploadOutputSchema),
  'datasets.slice': call(
    'One slice of one case for the viewer: one channel as Int16, window, RLE mask',
    SliceInputSchema,
    SliceOutputSchema,
  ),
  'jobs.list': call(
    'Queued and running jobs of this session (every kind), the running one first',
    JobsListInputSchema,
    JobsListOutputSchema,
  ),
  'jobs.cancel': call(
    'Cancel a queued or running job of any kind: a run keeps its last checkpoint, a sweep its finished levels, an export writes nothing',
    JobsCancelInputSchema,
    JobsCancelOutputSchema,
  ),
  'sweep.start': call(
    'Queue a sweep: prune completed runs in one shot at several sparsity levels and score each level (job.progress kind "sweep")',
    SweepStartInputSchema,
    SweepStartOutputSchema,
  ),
  'sweep.list': call(
    'Completed runs (or one run) with their stored sweeps, and the sweeps running now',
    SweepListInputSchema,
    SweepListOutputSchema,
  ),
  'sweep.get': call(
    'One stored sweep of one run: levels, aggregates, per-layer and per-slice results',
    SweepGetInputSchema,
    SweepGetOutputSchema,
  ),
  'sweep.images': call(
    'The scored slices of a sweep as 8-bit images for the grid (optionally some cases only)',
    SweepImagesInputSchema,
    SweepImagesOutputSchema,
  ),
  'training.start': call(
    'Queue a new training run (RunConfig); jobs run one at a time (events job.changed, training.progress, training.epoch)',
    TrainingStartInputSchema,
    TrainingStartOutputSchema,
  ),
  'training.preflight': call(
    'Check a RunConfig before it starts: masks, patients for the split, workers within the cores, and a time estimate from a short calibration',
    TrainingPreflightInputSchema,
    TrainingPreflightOutputSchema,
  ),
  'training.resume': call(
    'Queue a cancelled, failed or interrupted run to continue from its last checkpoint',
    TrainingResumeInputSchema,
    TrainingResumeOutputSchema,
  ),
  'runs.list': call(
    'Every run in the run store (survives restarts) and the training jobs of this session',
    RunsListInputSchema,
    RunsListOutputSchema,
  ),
  'runs.get': call(
    'One full run record: config, backend, timings, per-epoch metrics and weight statistics',
    RunIdInputSchema,
    RunsGetOutputSchema,
  ),
  'runs.steps': call(
    'The step losses a run reported while training (its steps.jsonl), to rebuild the live loss chart',
    RunIdInputSchema,
    RunsStepsOutputSchema,
  ),
  'runs.delete': call('Delete a run directory (not while it trains or is queued)', RunIdInputSchema, RunsDeleteOutputSchema),
  'runs.flatness': call(
    'Queue the flatness diagnostic of a run: top Hessian eigenvalue, stored in its record (event job.changed)',
    RunsFlatnessInputSchema,
    RunsFlatnessOutputSchema,
  ),
  'export.run': call(
    'Queue an export: prune a run at one level, write ONNX, tfjs and/or TFLite files (fp32/fp16/int8-weights; int8-qdq for ONNX, int8-full for TFLite), load each back and score it, size report (latency in each file’s own runtime, verdict) and model card (job.progress kind "export")',
    ExportRunInputSchema,
    ExportRunOutputSchema,
  ),
  'export.result': call(
    "The result of a completed export job; the job's error when it failed",
    ExportResultInputSchema,
    ExportResultOutputSchema,
  ),
  'export.preview': call(
    'What an export would write: sizes, latency, existing files and the model card, without writing to the output folder',
    ExportPreviewInputSchema,
    ExportPreviewOutputSchema,
  ),
  'export.list': call(
    'Runs that can be exported (with their sweep levels) and previous exports (of one run or all)',
    ExportListInputSchema,
    ExportListOutputSchema,
  ),
  'export.pickFolder': call(
    'Choose the output folder with the native dialog (Electron); available false in browser mode',
    ExportPickFolderInputSchema,
    ExportPickFolderOutputSchema,
  ),
  'predict.start': call(
    'Queue a prediction (job kind "predict"): lesion masks on a scan with a trained run at several sparsity levels, in a child process; writes NIfTI / DICOM SEG / PNG masks and predictions.json. Follow it with job.progress, cancel it with jobs.cancel',
    PredictStartInputSchema,
    PredictStartOutputSchema,
  ),
  'predict.result': call(
    'The files and summary of a completed prediction job of this session (its error if it failed or was cancelled)',
    PredictResultInputSchema,
    PredictResultOutputSchema,
  ),
  'predict.masks': call(
    "One case's predicted masks of a finished prediction, level by level (RLE per slice)",
    PredictMasksInputSchema,
    PredictMasksOutputSchema,
  ),
} as const;

export const events = {
  'job.progress': JobProgressSchema,
  /** A job of any kind changed state (queued, moved up, started, ended). */
  'job.changed': JobSchema,
  'training.progress': TrainingProgressEventSchema,
  'training.epoch': TrainingEpochEventSchema,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
/** The input after validation (defaults applied): what handlers receive. */
export type CallParsedInput<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

export type Shell = z.output<typeof ShellSchema>;
export type BackendInfo = z.output<typeof BackendInfoSchema>;
export type AppInfo = z.output<typeof AppInfoSchema>;
export type JobProgress = z.output<typeof JobProgressSchema>;

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}
