/**
 * Datasets held in a helper process (src/worker/datasets.worker.ts): opening a folder decodes every
 * slice, phantoms are generated, and slices are decoded and encoded there, so none of it blocks
 * the event loop that answers the API, and a file too big for memory takes down the helper, not
 * the studio. One long-lived process holds every open dataset; this module matches answers to
 * requests.
 */
import type { DatasetSummary, ReadLimits } from '../../shared/data/types';
import type { PhantomOptions } from '../../shared/data/phantoms';
import type { SliceOutput } from '../../shared/api/schemas/datasets';
import type { CountStep, IProgress } from '../../shared/progress';
import { StudioError, type StudioErrorInfo } from '../../shared/errors';
import { startWorkerProcess, type JobWorker } from '../workers';

/** What the worker answers for an open: its key for the dataset, the content id, the summary. */
export interface RemoteDataset {
  key: string;
  contentId: string;
  summary: DatasetSummary;
}

export type ToDataWorker =
  | {
      type: 'open';
      req: number;
      path: string;
      opts: { format?: string; headersOnly?: boolean; limits?: Partial<ReadLimits>; channels?: string[]; labels?: number[] };
    }
  | { type: 'phantoms'; req: number; opts: PhantomOptions }
  | { type: 'slice'; req: number; key: string; caseId: string; index: number; channel?: number }
  | { type: 'close'; key: string }
  | { type: 'cancel'; req: number };

export type FromDataWorker =
  | { type: 'progress'; req: number; step: CountStep }
  | { type: 'result'; req: number; value: unknown }
  | { type: 'error'; req: number; error: StudioErrorInfo };

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  progress?: IProgress<CountStep>;
}

export interface DataWorker {
  /** `channels` / `labels`: the channel order and lesion labels of a multi-channel layout or label map. */
  open(
    path: string,
    opts?: {
      format?: string;
      headersOnly?: boolean;
      limits?: Partial<ReadLimits>;
      channels?: string[];
      labels?: number[];
      progress?: IProgress<CountStep>;
      signal?: AbortSignal;
    },
  ): Promise<RemoteDataset>;
  phantoms(opts: PhantomOptions): Promise<RemoteDataset>;
  slice(key: string, caseId: string, index: number, channel?: number): Promise<SliceOutput>;
  close(key: string): void;
  /** Starts the helper ahead of the first request (the page lists datasets first). */
  warm(): void;
  dispose(): Promise<void>;
}

export function createDataWorker(): DataWorker {
  let worker: JobWorker | undefined;
  let next = 1;
  const pending = new Map<number, Pending>();

  function failAll(e: StudioError): void {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker = undefined;
  }

  function get(): JobWorker {
    if (worker) return worker;
    const w = startWorkerProcess('datasets', null);
    // The helper never keeps the studio process alive by itself (CLI, tests).
    w.unref?.();
    w.on('message', (m: FromDataWorker) => {
      const p = pending.get(m.req);
      if (!p) return;
      if (m.type === 'progress') {
        p.progress?.report(m.step);
        return;
      }
      pending.delete(m.req);
      if (m.type === 'result') p.resolve(m.value);
      else p.reject(new StudioError(m.error));
    });
    const lost = (why: string) =>
      failAll(
        new StudioError({
          code: 'internal',
          what: `The data reader stopped (${why}); open datasets were closed`,
          hint: 'Open the data again; if it repeats with one file, that file may be too large for memory',
        }),
      );
    w.on('error', (e) => lost(e.message));
    w.on('exit', (code) => {
      if (worker === w) lost(`exit code ${code}`);
    });
    worker = w;
    return w;
  }

  type Request = Extract<ToDataWorker, { type: 'open' | 'phantoms' | 'slice' }>;
  type Body = Request extends infer R ? (R extends Request ? Omit<R, 'req'> : never) : never;
  function call<T>(msg: Body, progress?: IProgress<CountStep>, signal?: AbortSignal): Promise<T> {
    const req = next++;
    const w = get();
    return new Promise<T>((resolve, reject) => {
      pending.set(req, { resolve: resolve as (v: unknown) => void, reject, progress });
      signal?.addEventListener('abort', () => w.postMessage({ type: 'cancel', req } satisfies ToDataWorker), { once: true });
      w.postMessage({ ...msg, req } as ToDataWorker);
    });
  }

  return {
    open: (path, opts = {}) =>
      call(
        {
          type: 'open',
          path,
          opts: {
            ...(opts.format ? { format: opts.format } : {}),
            ...(opts.headersOnly ? { headersOnly: true } : {}),
            ...(opts.limits ? { limits: opts.limits } : {}),
            ...(opts.channels ? { channels: opts.channels } : {}),
            ...(opts.labels ? { labels: opts.labels } : {}),
          },
        },
        opts.progress,
        opts.signal,
      ),
    phantoms: (opts) => call({ type: 'phantoms', opts }),
    slice: (key, caseId, index, channel) => call({ type: 'slice', key, caseId, index, ...(channel !== undefined ? { channel } : {}) }),
    warm() {
      get();
    },
    close(key) {
      worker?.postMessage({ type: 'close', key } satisfies ToDataWorker);
    },
    async dispose() {
      const w = worker;
      worker = undefined;
      failAll(new StudioError({ code: 'cancelled', what: 'The data reader was shut down', hint: 'Open the data again' }));
      await w?.terminate();
    },
  };
}
