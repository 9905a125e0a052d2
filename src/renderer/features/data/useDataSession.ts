/**
 * State of the Data view: the open dataset, the selected case/slice/channel, busy and error.
 * The services keep the datasets; the selection is remembered here across view switches.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi, useEvent } from '../../api/context';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import type { StudioError } from '../../../shared/errors';
import { toStudioError } from '../../components/errors';
import { uploadFiles } from './upload';
import type { Dropped } from './drop';

export interface Selection {
  caseId: string;
  index: number;
  channel: number;
}

interface Remembered {
  datasetId?: string;
  selection?: Selection;
}

// Survives the view being unmounted (switching to Train and back), not a reload.
const remembered: Remembered = {};

export function firstSelection(ds: OpenedDataset): Selection {
  // Start on a case with lesions, in its middle slice: the first picture should show something.
  const c = ds.cases.find((x) => x.lesionSlices > 0) ?? ds.cases[0];
  const channel = (ds.format === 'phantom' || ds.format === 'lgg') && c?.channels === 3 ? 1 : 0;
  return { caseId: c?.id ?? '', index: Math.floor((c?.sliceCount ?? 1) / 2), channel };
}

export function useDataSession() {
  const api = useApi();
  const [dataset, setDataset] = useState<OpenedDataset | undefined>();
  const [selection, setSelectionState] = useState<Selection | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [progress, setProgress] = useState<number | undefined>();
  const [error, setError] = useState<StudioError | undefined>();
  /** The open in progress (its job id), and what its data check reports. */
  const [openJob, setOpenJob] = useState<string | undefined>();
  const [stage, setStage] = useState<string | undefined>();
  const [restored, setRestored] = useState(false);
  const live = useRef(true);

  const setSelection = useCallback((s: Selection) => {
    remembered.selection = s;
    setSelectionState(s);
  }, []);

  const show = useCallback(
    (ds: OpenedDataset, sel?: Selection) => {
      remembered.datasetId = ds.id;
      setDataset(ds);
      setSelection(sel && ds.cases.some((c) => c.id === sel.caseId) ? sel : firstSelection(ds));
    },
    [setSelection],
  );

  useEffect(() => {
    live.current = true;
    api.call('datasets.list').then(
      (list) => {
        if (!live.current) return;
        const ds = list.find((d) => d.id === remembered.datasetId) ?? list[list.length - 1];
        if (ds) show(ds, remembered.selection);
        setRestored(true);
      },
      () => live.current && setRestored(true),
    );
    return () => {
      live.current = false;
    };
  }, [api, show]);

  // The deep check of an open reports through the one progress stream (job.progress, kind dataset-open).
  useEvent('job.progress', (p) => {
    if (p.kind !== 'dataset-open' || p.jobId !== openJob || p.state !== 'running') return;
    setProgress(p.fraction);
    setStage(p.message);
  });

  /** Opens with a job id of its own, so its progress can be followed and it can be cancelled. */
  const openWithProgress = useCallback(
    async (input: { path: string; channels?: string[]; labels?: number[] } | { paths: string[] }) => {
      const jobId = `open-${Math.random().toString(36).slice(2, 10)}`;
      setOpenJob(jobId);
      try {
        return await api.call('datasets.open', { ...input, jobId });
      } finally {
        if (live.current) {
          setOpenJob(undefined);
          setStage(undefined);
        }
      }
    },
    [api],
  );

  const cancelOpen = useCallback(() => {
    if (openJob) void api.call('datasets.cancelOpen', { jobId: openJob }).catch(() => undefined);
  }, [api, openJob]);

  /** Runs one user action with a busy message; failures land in the error banner. */
  const run = useCallback(
    async (label: string, action: () => Promise<OpenedDataset | undefined>) => {
      setBusy(label);
      setError(undefined);
      setProgress(undefined);
      try {
        const ds = await action();
        if (ds && live.current) show(ds);
      } catch (e) {
        const err = toStudioError(e);
        // Cancelled by the user: what was on screen before is still true; nothing to report.
        if (live.current && err.code === 'cancelled') return;
        if (live.current) {
          setError(err);
          // The viewer must not go on showing the previous scan as if it were what was just
          // asked for: clear it; the banner says why (the previous data stays open in the list).
          remembered.datasetId = undefined;
          remembered.selection = undefined;
          setDataset(undefined);
          setSelectionState(undefined);
        }
      } finally {
        if (live.current) {
          setBusy(undefined);
          setProgress(undefined);
        }
      }
    },
    [show],
  );

  const loadPhantoms = useCallback(() => run('Generating the phantom set…', () => api.call('datasets.phantoms', {})), [api, run]);

  const openPaths = useCallback(
    (paths: string[]) => {
      if (paths.length === 0) return Promise.resolve();
      return run(`Opening ${paths.length === 1 ? paths[0] : `${paths.length} files`}…`, () =>
        openWithProgress(paths.length === 1 ? { path: paths[0] } : { paths }),
      );
    },
    [openWithProgress, run],
  );

  /** Reopens the data with another channel order or other lesion labels (see DataChoices). */
  const reopen = useCallback(
    (request: { path: string; channels?: string[]; labels?: number[] }) =>
      run('Reopening with the chosen channels and labels…', () => openWithProgress(request)),
    [openWithProgress, run],
  );

  const pick = useCallback(
    (kind: 'folder' | 'files') =>
      run('Waiting for the dialog…', async () => {
        const { paths } = await api.call('datasets.pick', { kind });
        if (paths.length === 0) return undefined;
        setBusy('Opening…');
        return openWithProgress(paths.length === 1 ? { path: paths[0] } : { paths });
      }),
    [api, openWithProgress, run],
  );

  const openDropped = useCallback(
    (d: Dropped) => {
      if (d.kind === 'paths') return openPaths(d.paths);
      return run(`Uploading ${d.files.length} file${d.files.length === 1 ? '' : 's'}…`, () =>
        uploadFiles(api, d.files, (f) => live.current && setProgress(f)),
      );
    },
    [api, openPaths, run],
  );

  const close = useCallback(async () => {
    if (!dataset) return;
    await api.call('datasets.close', { id: dataset.id }).catch(() => {});
    remembered.datasetId = undefined;
    remembered.selection = undefined;
    setDataset(undefined);
    setSelectionState(undefined);
  }, [api, dataset]);

  return {
    dataset,
    selection,
    setSelection,
    busy,
    progress,
    stage,
    opening: !!openJob,
    cancelOpen,
    error,
    setError,
    restored,
    loadPhantoms,
    openPaths,
    reopen,
    pick,
    openDropped,
    close,
  };
}
