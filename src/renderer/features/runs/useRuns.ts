/**
 * The runs list (from the run store, so it survives restarts) plus this session's jobs, kept
 * fresh by the training events; and the two runs picked for comparison with their records.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi, useEvent } from '../../api/context';
import type { Job } from '../../../shared/api/schemas/jobs';
import type { RunSummary, TrainingProgressEvent } from '../../../shared/api/schemas/training';
import type { StudioError } from '../../../shared/errors';
import type { RunRecord } from '../../../shared/run/record';
import { toStudioError } from '../../components/errors';

export const MAX_COMPARE = 2;

export function useRuns(onError: (e: StudioError) => void) {
  const api = useApi();
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [jobs, setJobs] = useState<Job[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [compare, setCompare] = useState<string[]>([]);
  const [records, setRecords] = useState<Record<string, RunRecord>>({});
  /** Latest progress per job: with `jobs`, the one source of live status (see status.ts). */
  const [progress, setProgress] = useState<Record<string, TrainingProgressEvent>>({});
  const known = useRef({ runs: new Set<string>(), running: new Set<string>() });
  known.current = { runs: new Set(runs?.map((r) => r.id)), running: new Set(jobs.filter((j) => j.state === 'running').map((j) => j.jobId)) };
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(async () => {
    try {
      const list = await api.call('runs.list');
      setRuns(list.runs);
      setJobs(list.jobs);
      setProblems(list.problems);
    } catch (e) {
      onError(toStudioError(e));
    }
  }, [api, onError]);

  /** Many events in a burst (an epoch ends, the next job starts) cause one reload. */
  const refreshSoon = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      void refresh();
    }, 150);
  }, [refresh]);

  useEffect(() => {
    void refresh();
    return () => {
      if (pending.current) clearTimeout(pending.current);
    };
  }, [refresh]);
  useEvent('job.changed', refreshSoon);
  useEvent('training.epoch', refreshSoon);
  useEvent('training.progress', (p) => {
    setProgress((m) => ({ ...m, [p.jobId]: p }));
    // A run that reports progress but is not in the table yet (or not as running): reload once.
    if (!known.current.runs.has(p.runId) || !known.current.running.has(p.jobId)) refreshSoon();
  });

  // Records of the compared runs, reloaded when their row changes (a new epoch, a resume).
  const stamps = compare.map((id) => `${id}@${runs?.find((r) => r.id === id)?.updatedAt ?? ''}`).join(',');
  useEffect(() => {
    let live = true;
    for (const id of compare) {
      api.call('runs.get', { runId: id }).then(
        (rec) => live && setRecords((m) => ({ ...m, [id]: rec })),
        (e) => live && onError(toStudioError(e)),
      );
    }
    return () => {
      live = false;
    };
    // `stamps` encodes the compared ids and their updatedAt, so a new epoch refetches and nothing else does.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on `stamps` (see above); onError is the caller's latest handler
  }, [api, stamps]);

  const toggleCompare = useCallback((id: string) => {
    setCompare((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id].slice(-MAX_COMPARE)));
  }, []);

  const remove = useCallback(
    async (id: string) => {
      try {
        await api.call('runs.delete', { runId: id });
        setCompare((c) => c.filter((x) => x !== id));
        await refresh();
        return true;
      } catch (e) {
        onError(toStudioError(e));
        return false;
      }
    },
    [api, onError, refresh],
  );

  const act = useCallback(
    async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        const out = await fn();
        await refresh();
        return out;
      } catch (e) {
        onError(toStudioError(e));
        return undefined;
      }
    },
    [onError, refresh],
  );

  const resume = useCallback((runId: string) => act(() => api.call('training.resume', { runId })), [act, api]);
  const flatness = useCallback((runId: string) => act(() => api.call('runs.flatness', { runId })), [act, api]);
  const cancel = useCallback((jobId: string) => act(() => api.call('jobs.cancel', { jobId })), [act, api]);

  return { runs, jobs, progress, problems, compare, records, toggleCompare, remove, resume, flatness, cancel, refresh };
}
