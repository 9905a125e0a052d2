/**
 * The training service: new runs, resumes and the flatness diagnostic as jobs of one queue (one
 * at a time: they all want both cores), their events, and the runs list read from the run store
 * on disk, so it survives restarts. Training itself runs in worker threads (src/node/train/host).
 */
import type { EventBus } from '../../shared/api/bus';
import type { CallName } from '../../shared/api/contract';
import type { TrainingJobEvent } from '../../shared/api/schemas/training';
import { StudioError } from '../../shared/errors';
import type { RunRecord } from '../../shared/run/record';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { createStepLogWriter, readStepLog } from '../../node/runs/stepLog';
import type { TrainProgress } from '../../shared/run/events';
import { resumeTraining, startTraining, type TrainHostOptions, type TrainingHandle } from '../../node/train/host';
import type { Handlers } from './index';
import { startFlatness } from './training/flatness';
import { preflight, workersProblem } from './training/preflight';
import { JobQueue, type StartedJob } from './training/queue';
import { hasStarted, summarizeRun } from './training/summary';

type TrainingCall = Extract<CallName, `training.${string}` | `runs.${string}`>;

export interface TrainingServiceOptions {
  /** Runs root; default: resolved at every call from VAR_STUDIO_HOME (tests and the CLI set it). */
  runsRoot?: () => string;
}

export interface TrainingService {
  handlers: Pick<Handlers, TrainingCall>;
  queue: JobQueue;
  dispose(): Promise<void>;
}

export function createTrainingService(options: TrainingServiceOptions = {}): TrainingService {
  const root = options.runsRoot ?? (() => defaultRunsRoot());
  const queue = new JobQueue();
  const store = () => new RunStore(root());

  /** Events of a training handle, tagged with the job, on the bus of the caller that queued it. */
  function trainingHooks(events: EventBus, jobId: string, report: (f: number, eta?: number) => void): TrainHostOptions {
    const runsRoot = root();
    const logs = new Map<string, (p: TrainProgress) => Promise<void>>();
    return {
      runsRoot,
      onProgress: (p) => {
        report(p.fraction, p.etaSeconds);
        if (!logs.has(p.runId)) logs.set(p.runId, createStepLogWriter(new RunStore(runsRoot).paths(p.runId).dir));
        void logs.get(p.runId)!(p);
        events.emit('training.progress', { ...p, jobId });
        events.emit('job.progress', {
          jobId,
          kind: 'training',
          fraction: p.fraction,
          etaSeconds: p.etaSeconds,
          step: p.step,
          totalSteps: p.totalSteps,
          state: 'running',
          metrics: { loss: p.loss, lr: p.lr, imagesPerSec: p.imagesPerSec, epoch: p.epoch },
        });
      },
      onEpoch: (e) => events.emit('training.epoch', { ...e, jobId }),
    };
  }

  function asStarted(h: TrainingHandle): StartedJob {
    return {
      runId: h.runId,
      cancel: () => h.cancel(),
      terminate: () => h.terminate(),
      done: h.done.then((r: RunRecord) => ({
        state: r.status === 'running' ? 'failed' : r.status,
        runId: r.id,
        ...(r.error ? { error: r.error } : {}),
      })),
    };
  }

  const announce = (events: EventBus) => (job: TrainingJobEvent) => {
    events.emit('training.job', job);
    if (job.state !== 'queued') {
      events.emit('job.progress', {
        jobId: job.jobId,
        kind: job.kind === 'flatness' ? 'flatness' : 'training',
        fraction: job.fraction,
        state: job.state === 'completed' ? 'done' : job.state,
        ...(job.error ? { message: `${job.error.what}. ${job.error.hint}` } : {}),
      });
    }
  };

  /** A run that a job works on cannot be resumed, deleted or diagnosed meanwhile. */
  function ensureIdle(runId: string, doing: string): void {
    const job = queue.forRun(runId);
    if (job) {
      throw new StudioError({
        code: 'bad-input',
        what: `Run ${runId} is ${job.state === 'queued' ? 'queued' : 'busy'} (${job.kind} job ${job.jobId})`,
        hint: `Cancel that job before you ${doing} this run`,
      });
    }
  }

  const handlers: Pick<Handlers, TrainingCall> = {
    'training.preflight': async (input) =>
      preflight(input.config, { calibrate: input.calibrate, busy: queue.list().some((j) => j.state === 'running') }),

    'training.start': async (config, ctx) => {
      // The one pre-flight rule that costs nothing to check here; the UI runs the whole pre-flight.
      const tooMany = workersProblem(config.workers);
      if (tooMany) throw new StudioError({ code: 'bad-input', what: tooMany.what, hint: tooMany.hint });
      return queue.enqueue({
        kind: 'train',
        name: config.name,
        onChange: announce(ctx.events),
        start: (jobId, report) => asStarted(startTraining(config, trainingHooks(ctx.events, jobId, report))),
      });
    },

    'training.resume': async (input, ctx) => {
      const record = await store().open(input.runId);
      if (record.status === 'completed') {
        throw new StudioError({ code: 'bad-input', what: `Run "${record.config.name}" is already completed`, hint: 'Start a new run to train further' });
      }
      if (record.status === 'failed' && !hasStarted(record)) {
        throw new StudioError({
          code: 'bad-input',
          what: `Run "${record.config.name}" failed before training started${record.error ? ` (${record.error.what})` : ''}, so there is nothing to resume`,
          hint: 'Fix what the error says and start a new run',
        });
      }
      ensureIdle(input.runId, 'resume');
      return queue.enqueue({
        kind: 'resume',
        name: record.config.name,
        runId: input.runId,
        onChange: announce(ctx.events),
        start: (jobId, report) => asStarted(resumeTraining(input.runId, trainingHooks(ctx.events, jobId, report))),
      });
    },

    'training.cancel': async (input) => ({ cancelled: queue.cancel(input.jobId) }),

    'runs.list': async () => {
      const listed = await store().list();
      const jobs = queue.list();
      const byRun = new Map(jobs.filter((j) => j.runId).map((j) => [j.runId!, j]));
      return {
        runs: listed.runs.map((r) => summarizeRun(r, byRun.get(r.id))),
        jobs,
        problems: listed.problems.map((p) => `${p.dir}: ${p.what}`),
      };
    },

    'runs.get': async (input) => store().open(input.runId),

    'runs.steps': async (input) => ({ points: await readStepLog(store().paths(input.runId).dir) }),

    'runs.delete': async (input) => {
      ensureIdle(input.runId, 'delete');
      await store().delete(input.runId);
      return { deleted: true };
    },

    'runs.flatness': async (input, ctx) => {
      const record = await store().open(input.runId);
      ensureIdle(input.runId, 'diagnose');
      if (record.status === 'running') {
        throw new StudioError({ code: 'bad-input', what: `Run "${record.config.name}" was interrupted while training`, hint: 'Resume it (or let it finish) first' });
      }
      if (record.epochs.length === 0) {
        throw new StudioError({ code: 'bad-input', what: `Run "${record.config.name}" has no trained epoch yet`, hint: 'Train at least one epoch first' });
      }
      const runsRoot = root();
      return queue.enqueue({
        kind: 'flatness',
        name: record.config.name,
        runId: input.runId,
        onChange: announce(ctx.events),
        start: () => startFlatness(runsRoot, input.runId, { iterations: input.iterations, batchSize: input.batchSize }),
      });
    },
  };

  return { handlers, queue, dispose: () => queue.dispose() };
}

/** The studio's one training service (module state: one queue per process). */
export const trainingService = createTrainingService();
export const trainingHandlers = trainingService.handlers;
