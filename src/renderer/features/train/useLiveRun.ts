/**
 * The run shown in the Train view: the one just started (followed live through its job's
 * events) or one reopened from the runs list (its stored epochs, and live events if it trains).
 */
import { useCallback, useRef, useState } from 'react';
import { useApi, useEvent } from '../../api/context';
import type { Job } from '../../../shared/api/schemas/jobs';
import type { TrainingProgressEvent } from '../../../shared/api/schemas/training';
import type { RunConfigInput } from '../../../shared/run/config';
import type { EpochRecord, RunRecord } from '../../../shared/run/record';
import { toStudioError } from '../../components/errors';
import type { StudioError } from '../../../shared/errors';

export interface LiveRun {
  jobId?: string;
  runId?: string;
  name: string;
  totalEpochs: number;
  job?: Job;
  record?: RunRecord;
  progress?: TrainingProgressEvent;
  /** Per-step data loss; x in epochs (fractional), so it lines up with the epoch means. */
  stepLoss: { x: number[]; y: number[] };
  epochs: EpochRecord[];
}

const emptyRun = (name: string, totalEpochs: number): LiveRun => ({ name, totalEpochs, stepLoss: { x: [], y: [] }, epochs: [] });

export function useLiveRun(onError: (e: StudioError) => void) {
  const api = useApi();
  const [run, setRun] = useState<LiveRun | null>(null);
  const current = useRef(run);
  current.current = run;

  const mine = (jobId: string, runId?: string) => {
    const r = current.current;
    return !!r && ((!!r.jobId && r.jobId === jobId) || (!!r.runId && r.runId === runId));
  };

  useEvent('job.changed', (j) => {
    // Only training jobs: flatness, sweeps and exports of this run are not its live training.
    if ((j.kind !== 'train' && j.kind !== 'resume') || !mine(j.jobId, j.runId)) return;
    setRun((r) => r && { ...r, jobId: j.jobId, runId: j.runId ?? r.runId, job: j });
  });

  useEvent('training.progress', (p) => {
    if (!mine(p.jobId, p.runId)) return;
    setRun((r) => {
      if (!r) return r;
      const perEpoch = p.totalSteps / Math.max(1, r.totalEpochs);
      const x = perEpoch > 0 ? p.step / perEpoch : p.epoch;
      const last = r.stepLoss.x.at(-1);
      // A resume replays no steps, but guard against out-of-order points anyway.
      const stepLoss = last !== undefined && x <= last ? r.stepLoss : { x: [...r.stepLoss.x, x], y: [...r.stepLoss.y, p.loss] };
      return { ...r, jobId: p.jobId, runId: p.runId, progress: p, stepLoss };
    });
  });

  useEvent('training.epoch', (e) => {
    if (!mine(e.jobId, e.runId)) return;
    setRun(
      (r) =>
        r && {
          ...r,
          runId: e.runId,
          epochs: [...r.epochs.filter((x) => x.epoch !== e.record.epoch), e.record].sort((a, b) => a.epoch - b.epoch),
        },
    );
  });

  /** `show`: put it on screen (false when it only queues behind the run being watched). */
  const start = useCallback(
    async (config: RunConfigInput, show = true) => {
      try {
        const job = await api.call('training.start', config);
        if (show) setRun({ ...emptyRun(config.name, config.epochs), jobId: job.jobId, runId: job.runId, job });
        return job;
      } catch (e) {
        onError(toStudioError(e));
        return undefined;
      }
    },
    [api, onError],
  );

  /** Shows a stored run; `job` when this session trains or queues it (live events continue). */
  const open = useCallback(
    async (runId: string, job?: Job) => {
      try {
        const [record, log] = await Promise.all([api.call('runs.get', { runId }), api.call('runs.steps', { runId })]);
        // The step losses from the run's log, then whatever live events added meanwhile.
        const perEpoch = (total: number) => total / Math.max(1, record.config.epochs);
        const fromLog = { x: log.points.map((p) => p.step / Math.max(1e-9, perEpoch(p.totalSteps))), y: log.points.map((p) => p.loss) };
        setRun((r) => {
          const live = r && (r.runId === runId || (!!job && r.jobId === job.jobId)) ? r.stepLoss : { x: [], y: [] };
          const last = fromLog.x.at(-1) ?? -Infinity;
          const after = live.x.map((x, i) => [x, live.y[i]] as const).filter(([x]) => x > last);
          const stepLoss = { x: [...fromLog.x, ...after.map(([x]) => x)], y: [...fromLog.y, ...after.map(([, y]) => y)] };
          return {
            ...emptyRun(record.config.name, record.config.epochs),
            runId,
            jobId: job?.jobId,
            job,
            record,
            epochs: record.epochs,
            stepLoss,
          };
        });
      } catch (e) {
        onError(toStudioError(e));
      }
    },
    [api, onError],
  );

  /** A resumed run keeps its chart history and continues under the new job. */
  const follow = useCallback((job: Job) => {
    setRun((r) => (r && r.runId === job.runId ? { ...r, jobId: job.jobId, job } : r));
  }, []);

  /** Shows a job of this session: its run once it has one, else its name until the run exists. */
  const attach = useCallback(
    async (job: Job) => {
      if (job.runId) return open(job.runId, job);
      setRun((r) => (r?.jobId === job.jobId ? r : { ...emptyRun(job.name, 1), jobId: job.jobId, job }));
    },
    [open],
  );

  const forget = useCallback((runId: string) => setRun((r) => (r?.runId === runId ? null : r)), []);

  return { run, start, open, attach, follow, forget };
}
