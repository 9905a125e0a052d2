/** The data reader process: holds open datasets and decodes their slices. Host: src/node/data/remote.ts. */
import { randomBytes } from 'node:crypto';
import type { Dataset } from '../shared/data/types';
import { generatePhantoms } from '../shared/data/phantoms';
import { StudioError, isStudioError } from '../shared/errors';
import { encodeSlice } from '../node/data/encode';
import type { FromDataWorker, RemoteDataset, ToDataWorker } from '../node/data/remote';
import { PROCESS_INIT } from '../node/workers';

const open = new Map<string, Dataset>();
const cancels = new Map<number, AbortController>();
const post = (m: FromDataWorker) => void process.send?.(m);
// The studio went away (even by kill -9): nothing is left to serve.
process.on('disconnect', () => process.exit(0));
// The viewer scrolls through one case: keep its decoded slices instead of decoding per request.
let lastCase: { ds: Dataset; caseId: string; slices: Awaited<ReturnType<Dataset['slices']>> } | undefined;

function remote(ds: Dataset, summarize: (ds: Dataset) => RemoteDataset['summary']): RemoteDataset {
  const key = randomBytes(6).toString('hex');
  open.set(key, ds);
  return { key, contentId: ds.id, summary: summarize(ds) };
}

async function handle(m: Exclude<ToDataWorker, { type: 'close' | 'cancel' }>): Promise<unknown> {
  const data = await import('../node/data/index');
  switch (m.type) {
    case 'open': {
      const ctl = new AbortController();
      cancels.set(m.req, ctl);
      try {
        const ds = await data.openDataset(m.path, {
          ...m.opts,
          signal: ctl.signal,
          progress: { report: (step) => post({ type: 'progress', req: m.req, step }) },
        });
        return remote(ds, (d) => data.summarize(d));
      } finally {
        cancels.delete(m.req);
      }
    }
    case 'phantoms':
      return remote(generatePhantoms(m.opts), (d) => data.summarize(d));
    case 'slice': {
      const ds = open.get(m.key);
      if (!ds) throw new StudioError({ code: 'not-found', what: 'this dataset is no longer open', hint: 'Open the data again' });
      const info = ds.cases.find((c) => c.id === m.caseId);
      if (!info)
        throw new StudioError({ code: 'not-found', what: `No case "${m.caseId}" in this dataset`, hint: 'Pick a case from the case list' });
      if (lastCase?.ds !== ds || lastCase.caseId !== info.id) lastCase = { ds, caseId: info.id, slices: await ds.slices(info.id) };
      const slices = lastCase.slices;
      return encodeSlice(slices[m.index], slices.length, ds.format, m.channel);
    }
  }
}

process.on('message', (m: ToDataWorker | { type: typeof PROCESS_INIT }) => {
  if (m.type === PROCESS_INIT) return;
  if (m.type === 'close') {
    if (lastCase?.ds === open.get(m.key)) lastCase = undefined;
    open.delete(m.key);
    return;
  }
  if (m.type === 'cancel') {
    cancels.get(m.req)?.abort();
    return;
  }
  handle(m).then(
    (value) => post({ type: 'result', req: m.req, value }),
    (e: unknown) => {
      const error = isStudioError(e)
        ? e.toJSON()
        : {
            code: 'bad-file' as const,
            what: `could not read the data (${e instanceof Error ? e.message : String(e)})`,
            hint: 'Check the files under this path; a file may be damaged',
          };
      post({ type: 'error', req: m.req, error });
    },
  );
});
