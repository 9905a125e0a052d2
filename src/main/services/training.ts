/**
 * The training service: new runs, resumes and the flatness diagnostic as jobs of the studio's
 * one queue (src/main/services/jobs.ts), their training events, and the runs list read from
 * the run store on disk, so it survives restarts. Training runs in child processes (src/node/train/host).
 */
import type { EventBus } from '../../shared/api/bus';
import type { CallName } from '../../shared/api/contract';
import { StudioError } from '../../shared/errors';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { createStepLogWriter, readStepLog } from '../../node/runs/stepLog';
import type { TrainProgress } from '../../shared/run/events';
import { resumeTraining, startTraining, type TrainHostOptions, type TrainingHandle } from '../../node/train/host';
import { startFlatness } from '../../node/train/flatnessHost';
import type { JobService, JobUpdate, StartedJob } from './jobs';
import { preflight, workersProblem } from './training/preflight';
import { hasStarted, summarizeRun } from './training/summary';
import type { IProgress } from '../../shared/progress';
import type { Service } from './types';
import { createConfinement, type Confinement } from './confine';

type TrainingCall = Extract<CallName, `training.${string}` | `runs.${string}`>;

/** The job kinds of this service; runs.list shows their jobs. */
const TRAINING_KINDS = new Set(['train', 'resume', 'flatness']);

export interface TrainingServiceOptions {
  jobs: JobService;
  events: EventBus;
  /** Runs root; default: resolved at every call from VAR_STUDIO_HOME (tests and the CLI set it). */
  runsRoot?: () => string;
  /** Folders of the datasets open in this studio (uploads live in temp folders): a run may read them in browser mode. */
  openDatasetRoots?: () => string[];
  /** What browser mode may read (the host's; default: the standard roots). */
  confinement?: Confinement;
}

export type TrainingService = Service<TrainingCall>;

export function createTrainingService(options: TrainingServiceOptions): TrainingService {
  const { jobs, events, confinement = createConfinement() } = options;
  const root = options.runsRoot ?? (() => defaultRunsRoot());
  const store = () => new RunStore(root());

  /** Events of a training handle, tagged with the job. */
  function trainingHooks(jobId: string, progress: IProgress<JobUpdate>): TrainHostOptions {
    const runsRoot = root();
    const logs = new Map<string, (p: TrainProgress) => Promise<void>>();
    return {
      runsRoot,
      progress: {
        report: (p) => {
          if (!logs.has(p.runId)) logs.set(p.runId, createStepLogWriter(new RunStore(runsRoot).paths(p.runId).dir));
          void logs.get(p.runId)!(p);
          events.emit('training.progress', { ...p, jobId });
          progress.report({
            fraction: p.fraction,
            etaSeconds: p.etaSeconds,
            step: p.step,
            totalSteps: p.totalSteps,
            metrics: { loss: p.loss, lr: p.lr, imagesPerSec: p.imagesPerSec, epoch: p.epoch },
          });
        },
      },
      onEpoch: (e) => events.emit('training.epoch', { ...e, jobId }),
    };
  }

  function asStarted(h: TrainingHandle): StartedJob {
    return {
      runId: h.runId,
      cancel: () => h.cancel(),
      terminate: () => h.terminate(),
      done: h.done.then((r) => ({
        state: r.status === 'running' ? 'failed' : r.status,
        runId: r.id,
        ...(r.error ? { error: r.error } : {}),
      })),
    };
  }

  /** A run that a job works on cannot be resumed, deleted or diagnosed meanwhile. */
  function ensureIdle(runId: string, doing: string): void {
    const job = jobs.forRun(runId);
    if (job) {
      throw new StudioError({
        code: 'bad-input',
        what: `Run ${runId} is ${job.state === 'queued' ? 'queued' : 'busy'} (${job.kind} job ${job.jobId})`,
        hint: `Cancel that job before you ${doing} this run`,
      });
    }
  }

  const handlers: Service<TrainingCall>['handlers'] = {
    'training.preflight': async (input, ctx) => {
      confinement.checkRunData(input.config.data, ctx.shell, options.openDatasetRoots);
      return preflight(input.config, { calibrate: input.calibrate, busy: jobs.list().some((j) => j.state === 'running') });
    },

    'training.start': async (config, ctx) => {
      // Browser mode: a run reads only what datasets.open could (a token holder must not train on any folder).
      confinement.checkRunData(config.data, ctx.shell, options.openDatasetRoots);
      // The one pre-flight rule that costs nothing to check here; the UI runs the whole pre-flight.
      const tooMany = workersProblem(config.workers);
      if (tooMany) throw new StudioError({ code: 'bad-input', what: tooMany.what, hint: tooMany.hint });
      return jobs.enqueue({
        kind: 'train',
        name: config.name,
        start: ({ jobId, progress }) => asStarted(startTraining(config, trainingHooks(jobId, progress))),
      });
    },

    'training.resume': async (input, ctx) => {
      const record = await store().open(input.runId);
      // The same rule as training.start: a run created elsewhere (CLI, desktop) may name any folder.
      confinement.checkRunData(record.config.data, ctx.shell, options.openDatasetRoots);
      if (record.status === 'completed') {
        throw new StudioError({
          code: 'bad-input',
          what: `Run "${record.config.name}" is already completed`,
          hint: 'Start a new run to train further',
        });
      }
      if (record.status === 'failed' && !hasStarted(record)) {
        throw new StudioError({
          code: 'bad-input',
          what: `Run "${record.config.name}" failed before training started${record.error ? ` (${record.error.what})` : ''}, so there is nothing to resume`,
          hint: 'Fix what the error says and start a new run',
        });
      }
      ensureIdle(input.runId, 'resume');
      return jobs.enqueue({
        kind: 'resume',
        name: record.config.name,
        runId: input.runId,
        start: ({ jobId, progress }) => asStarted(resumeTraining(input.runId, trainingHooks(jobId, progress))),
      });
    },

    'runs.list': async () => {
      const listed = await store().list();
      const active = jobs.list().filter((j) => TRAINING_KINDS.has(j.kind));
      const byRun = new Map(active.filter((j) => j.runId).map((j) => [j.runId!, j]));
      return {
        runs: listed.runs.map((r) => summarizeRun(r, byRun.get(r.id))),
        jobs: active,
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

    'runs.flatness': async (input) => {
      const record = await store().open(input.runId);
      ensureIdle(input.runId, 'diagnose');
      if (record.status === 'running') {
        throw new StudioError({
          code: 'bad-input',
          what: `Run "${record.config.name}" was interrupted while training`,
          hint: 'Resume it (or let it finish) first',
        });
      }
      if (record.epochs.length === 0) {
        throw new StudioError({
          code: 'bad-input',
          what: `Run "${record.config.name}" has no trained epoch yet`,
          hint: 'Train at least one epoch first',
        });
      }
      const runsRoot = root();
      const runId = input.runId;
      return jobs.enqueue({
        kind: 'flatness',
        name: record.config.name,
        runId,
        start: () => {
          const h = startFlatness(runsRoot, runId, { iterations: input.iterations, batchSize: input.batchSize });
          return {
            runId,
            cancel: h.cancel,
            terminate: h.terminate,
            done: h.done.then((r) =>
              r ? { state: 'completed', runId, metrics: { hessianTopEigenvalue: r.topEigenvalue } } : { state: 'cancelled', runId },
            ),
          };
        },
      });
    },
  };

  return { handlers };
}
