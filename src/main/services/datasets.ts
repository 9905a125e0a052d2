/**
 * The datasets service: opens user data (or the built-in phantoms) and serves single slices to the
 * viewer. Opening, generating and decoding run in the data reader thread (src/node/data/remote.ts)
 * with the size limits of src/node/data, so a big folder never stalls the API.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { DEFAULT_PHANTOMS, MAX_PHANTOM_VALUES, PHANTOM_SIZE_HINT, phantomDatasetId, phantomValues } from '../../shared/data/phantoms';
import { createDataWorker, type RemoteDataset } from '../../node/data/remote';
import { StudioError } from '../../shared/errors';
import { UPLOAD_CHUNK_BYTES, type OpenedDataset, type UploadOutput } from '../../shared/api/schemas/datasets';
import type { CallName, JobProgress } from '../../shared/api/contract';
import type { HandlerMap, Handlers } from './types';
import { browseFolder } from './datasets/browse';
import { checkUserPath } from './datasets/paths';
import { createConfinement, type Confinement } from './confine';
import { createRegistry, type Registry } from './datasets/registry';
import { stageFiles } from './datasets/stage';
import { createUploads, DEFAULT_UPLOAD_LIMITS, type UploadLimits, type UploadSession } from './datasets/upload';

export interface DatasetServiceOptions {
  uploadLimits?: Partial<UploadLimits>;
  /** Parent of the upload temp folder (tests). */
  tempDir?: string;
  /** Environment for the folder browser's start folder (tests). */
  env?: NodeJS.ProcessEnv;
  /** What browser mode may read (the host's; default: the standard roots, VAR_STUDIO_DATA_ROOT read from `env`). */
  confinement?: Confinement;
  maxOpen?: number;
}

type DatasetCall = Extract<CallName, `datasets.${string}`>;

export interface DatasetService {
  handlers: Pick<Handlers, DatasetCall>;
  registry: Registry;
  dispose(): void;
}

/** Reader failures that are not StudioErrors still reach the user as one readable sentence. */
function asUserError(e: unknown, path: string): never {
  if (e instanceof StudioError) throw e;
  throw new StudioError({
    code: 'bad-file',
    file: path,
    what: `could not read the data (${e instanceof Error ? e.message : String(e)})`,
    hint: 'Check the files under this path; a file may be damaged',
  });
}

/** The temp folder means nothing to the user: name the dropped file instead. */
function renameUploadError(e: unknown, dir: string): unknown {
  if (!(e instanceof StudioError) || !e.file || !(e.file === dir || e.file.startsWith(dir + sep))) return e;
  const rel = relative(dir, e.file).split(sep).join('/');
  return new StudioError({ code: e.code, what: e.what, hint: e.hint, file: rel === '' ? 'the dropped files' : rel });
}

export function createDatasetService(options: DatasetServiceOptions = {}): DatasetService {
  const confinement = options.confinement ?? createConfinement({ ...(options.env ? { env: options.env } : {}) });
  const reader = createDataWorker();
  const registry = createRegistry(options.maxOpen, (key) => reader.close(key));
  const uploads = createUploads({ ...DEFAULT_UPLOAD_LIMITS, ...options.uploadLimits }, options.tempDir);
  // Uploaded and staged files live only as long as their dataset, or the process.
  const onExit = () => registry.closeAll();
  process.once('exit', onExit);

  /** Opens still checking their data, by job id (datasets.cancelOpen). */
  const opening = new Map<string, AbortController>();

  async function openPath(
    path: string,
    extra: { label?: string; dispose?: () => void; linkRoots?: string[]; channels?: string[]; labels?: number[]; jobId?: string } = {},
    ctx?: { events: { emit(name: 'job.progress', p: JobProgress): void } },
  ): Promise<OpenedDataset> {
    let ds: RemoteDataset;
    const jobId = extra.jobId ?? `open-${randomBytes(6).toString('hex')}`;
    if (opening.has(jobId))
      throw new StudioError({ code: 'exists', what: `An open with job id ${jobId} is already running`, hint: 'Use a new job id' });
    const ctl = new AbortController();
    opening.set(jobId, ctl);
    // One progress stream for every long operation: job.progress, kind "dataset-open", ending with its state.
    const emit = (p: Omit<JobProgress, 'jobId' | 'kind'>) => {
      try {
        ctx?.events.emit('job.progress', { jobId, kind: 'dataset-open', ...p });
      } catch (e) {
        console.error(e);
      }
    };
    emit({ fraction: 0, message: 'Reading the headers', state: 'running' });
    try {
      ds = await reader.open(path, {
        ...(extra.linkRoots ? { limits: { linkRoots: extra.linkRoots } } : {}),
        ...(extra.channels ? { channels: extra.channels } : {}),
        ...(extra.labels ? { labels: extra.labels } : {}),
        signal: ctl.signal,
        progress: {
          report: (s) =>
            emit({
              fraction: s.total ? s.done / s.total : 1,
              step: s.done,
              totalSteps: s.total,
              message: `${s.task}: ${s.done}/${s.total} slices`,
              state: 'running',
            }),
        },
      });
      // The reader reads a cancel only between cases: one that came after the last case must still
      // mean what the user asked for, nothing opened.
      if (ctl.signal.aborted) {
        reader.close(ds.key);
        throw new StudioError({
          code: 'cancelled',
          file: path,
          what: 'checking the data was cancelled',
          hint: 'Open the data again to check it',
        });
      }
    } catch (e) {
      const cancelled = e instanceof StudioError && e.code === 'cancelled';
      emit({ fraction: 0, state: cancelled ? 'cancelled' : 'failed', ...(e instanceof StudioError ? { message: e.what } : {}) });
      asUserError(e, path);
    } finally {
      opening.delete(jobId);
    }
    emit({ fraction: 1, state: 'done', message: 'Opened' });
    return registry.add(ds, extra);
  }

  const progress = (s: UploadSession, dataset?: OpenedDataset): UploadOutput => ({
    uploadId: s.id,
    received: s.received,
    total: s.total,
    chunkBytes: UPLOAD_CHUNK_BYTES,
    ...(dataset ? { dataset } : {}),
  });

  const handlers = {
    'datasets.phantoms': async (input) => {
      const opts = {
        count: input?.cases ?? DEFAULT_PHANTOMS.count,
        slicesPerCase: input?.slicesPerCase ?? DEFAULT_PHANTOMS.slicesPerCase,
        size: input?.size ?? DEFAULT_PHANTOMS.size,
        seed: input?.seed ?? DEFAULT_PHANTOMS.seed,
      };
      if (phantomValues(opts) > MAX_PHANTOM_VALUES) {
        throw new StudioError({
          code: 'too-large',
          what: `${opts.count} cases x ${opts.slicesPerCase} slices x ${opts.size}x${opts.size} px is ${phantomValues(opts)} values`,
          hint: PHANTOM_SIZE_HINT,
        });
      }
      // The same seed and settings give the same pixels: reuse the open copy.
      const known = registry.findByContent(phantomDatasetId(opts));
      if (known) return known.summary;
      return registry.add(await reader.phantoms(opts));
    },

    'datasets.open': async (input, ctx) => {
      const allowed = (raw: string) => {
        const real = checkUserPath(raw);
        confinement.checkRead(real, ctx.shell);
        return real;
      };
      const jobId = input.jobId ? { jobId: input.jobId } : {};
      if ('path' in input)
        return openPath(
          allowed(input.path),
          { ...(input.channels ? { channels: input.channels } : {}), ...(input.labels ? { labels: input.labels } : {}), ...jobId },
          ctx,
        );
      const real = input.paths.map(allowed);
      if (real.length === 1) return openPath(real[0], jobId, ctx);
      const staged = await stageFiles(real, options.tempDir);
      try {
        // The staged folder links to the picked files: those links (only) may be followed.
        return await openPath(
          staged.dir,
          {
            label: `${real.length} files`,
            dispose: () => rmSync(staged.dir, { recursive: true, force: true }),
            linkRoots: [...new Set(real.map((p) => dirname(p)))],
            ...jobId,
          },
          ctx,
        );
      } catch (e) {
        await staged.dispose();
        throw e;
      }
    },

    'datasets.cancelOpen': async (input) => {
      const ctl = opening.get(input.jobId);
      ctl?.abort();
      return { cancelled: !!ctl };
    },

    'datasets.list': async () => {
      reader.warm();
      return registry.list();
    },

    'datasets.close': async (input) => ({ closed: registry.close(input.id) }),

    'datasets.browse': async (input, ctx) => browseFolder(input?.path, confinement, ctx.shell, options.env),

    'datasets.pick': async (input, ctx) => {
      if (!ctx.dialogs) {
        throw new StudioError({
          code: 'unsupported',
          what: 'Native file dialogs are unsupported in browser mode',
          hint: 'Use the folder browser (it lists the folders of the machine the studio runs on), or drop files onto the page.',
        });
      }
      if (input?.kind === 'files') return { paths: await ctx.dialogs.pickFiles() };
      const folder = await ctx.dialogs.pickFolder();
      return { paths: folder ? [folder] : [] };
    },

    'datasets.upload': async (input, ctx) => {
      switch (input.action) {
        case 'begin':
          return progress(await uploads.begin(input.files));
        case 'chunk':
          return progress(await uploads.chunk(input.uploadId, input.file, input.offset, input.data));
        case 'abort':
          await uploads.abort(input.uploadId);
          return { uploadId: input.uploadId, received: 0, total: 0, chunkBytes: UPLOAD_CHUNK_BYTES };
        case 'finish': {
          const s = uploads.finish(input.uploadId);
          // Sync: it also runs from the exit hook, where a promise would never settle.
          const dispose = () => rmSync(s.dir, { recursive: true, force: true });
          // One dropped file is opened as itself, so errors and the detected format are about it.
          const target = s.files.length === 1 ? join(s.dir, ...s.files[0].name.split('/')) : s.dir;
          try {
            return progress(s, await openPath(target, { label: s.label, dispose }, ctx));
          } catch (e) {
            dispose();
            throw renameUploadError(e, s.dir);
          }
        }
      }
    },

    'datasets.slice': async (input) => {
      const { summary, remote } = registry.get(input.datasetId);
      const info = summary.cases.find((c) => c.id === input.caseId);
      if (!info)
        throw new StudioError({
          code: 'not-found',
          what: `No case "${input.caseId}" in this dataset`,
          hint: 'Pick a case from the case list',
        });
      if (input.index >= info.sliceCount) {
        throw new StudioError({
          code: 'bad-input',
          what: `Slice ${input.index} requested, case ${info.id} has ${info.sliceCount}`,
          hint: `Use a slice index from 0 to ${info.sliceCount - 1}`,
        });
      }
      try {
        return await reader.slice(remote.key, info.id, input.index, input.channel);
      } catch (e) {
        asUserError(e, summary.root);
      }
    },
  } satisfies HandlerMap;

  return {
    handlers,
    registry,
    dispose() {
      process.off('exit', onExit);
      registry.closeAll();
      uploads.dispose();
      void reader.dispose();
    },
  };
}
