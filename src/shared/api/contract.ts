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
import {
  BrowseInputSchema,
  BrowseOutputSchema,
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

export const ShellSchema = z.enum(['electron', 'browser']);
export const BackendNameSchema = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);

export const BackendInfoSchema = z.object({
  name: BackendNameSchema,
  detail: z.string(),
  threads: z.number().int().positive().optional(),
  fallbacks: z.array(z.object({ name: z.string(), reason: z.string() })),
});

export const AppInfoSchema = z.object({
  version: z.string(),
  shell: ShellSchema,
  backend: BackendInfoSchema,
  /** `process.platform`-style name plus architecture, e.g. "linux x64". */
  platform: z.string(),
});

/** Progress of any long job (training, sweep, export, ...). One stream for all kinds. */
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
  'datasets.list': call('Datasets open in this session, oldest first', NoInput, z.array(DatasetSummarySchema)),
  'datasets.close': call('Forget an open dataset (and delete its uploaded files)', DatasetIdInputSchema, z.object({ closed: z.boolean() })),
  'datasets.browse': call('List one folder of the studio machine (folder browser of browser mode)', BrowseInputSchema, BrowseOutputSchema),
  'datasets.pick': call('Native open dialog (Electron only)', PickInputSchema, PickOutputSchema),
  'datasets.upload': call('Upload dropped files in chunks (browser mode), then open them', UploadInputSchema, UploadOutputSchema),
  'datasets.slice': call('One slice of one case for the viewer: one channel as Int16, window, RLE mask', SliceInputSchema, SliceOutputSchema),
} as const;

export const events = {
  'job.progress': JobProgressSchema,
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
