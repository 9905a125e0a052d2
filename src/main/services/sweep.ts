/**
 * The sweep service: queues sweeps as jobs (kind "sweep", jobId = sweepId) of the studio's one
 * queue; they run in child processes (src/node/sweep). Stored results are read back from the
 * run directories, so reopening the studio shows every saved sweep without recomputing.
 */
import type { z } from 'zod';
import type { CallName } from '../../shared/api/contract';
import type { ActiveSweepSchema } from '../../shared/api/schemas/sweep';
import { StudioError } from '../../shared/errors';
import { summarizeSweep } from '../../shared/sweep/result';
import { checkChannelLevels } from '../../shared/sweep/channelLevels';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { listSweepRecords, newSweepId, readSweepImages, readSweepRecord, startSweep } from '../../node/sweep';
import { SWEEP_LOCK_HINT, sweepsDir } from '../../node/sweep/files';
import { checkUnlocked } from '../../node/fs/lock';
import type { JobService } from './jobs';
import type { Service } from './types';

type Active = z.infer<typeof ActiveSweepSchema>;
type SweepCall = Extract<CallName, `sweep.${string}`>;

export interface SweepServiceOptions {
  jobs: JobService;
  /** Runs root; default: resolved at every call from VAR_STUDIO_HOME (tests and the CLI set it). */
  runsRoot?: () => string;
}

export type SweepService = Service<SweepCall>;

export function createSweepService(options: SweepServiceOptions): SweepService {
  const { jobs } = options;
  const runsRoot = options.runsRoot ?? (() => defaultRunsRoot());
  /** What a sweep job sweeps, by sweepId (= jobId); dropped when the job ends. */
  const sweeps = new Map<string, { runIds: string[]; levels: number[] }>();

  const active = (): Active[] =>
    jobs
      .list()
      .filter((j) => j.kind === 'sweep' && sweeps.has(j.jobId))
      .map((j) => ({ ...j, sweepId: j.jobId, ...sweeps.get(j.jobId)! }));

  const handlers: Service<SweepCall>['handlers'] = {
    'sweep.start': async (input) => {
      const store = new RunStore(runsRoot());
      for (const id of input.runIds) {
        const r = await store.open(id);
        if (r.status !== 'completed') {
          throw new StudioError({
            code: 'bad-input',
            what: `Run "${r.config.name}" is ${r.status}, not completed`,
            hint: 'Sweep completed runs only; resume the run to finish it first',
          });
        }
        // A channel level the model cannot reach would fail mid-sweep: refused now, naming the maximum.
        checkChannelLevels(r.config.model, input.config, `run "${r.config.name}": Levels`);
      }
      const root = runsRoot();
      // Another studio or an experiment sweeping one of these runs now: say so at once (a sweep
      // queued behind this studio's own job for the run takes the lock when it starts).
      for (const id of input.runIds) if (!jobs.forRun(id)) checkUnlocked(sweepsDir(root, id), SWEEP_LOCK_HINT);
      const sweepId = newSweepId();
      const info = { runIds: [...input.runIds], levels: input.config.levels };
      sweeps.set(sweepId, info);
      const job = jobs.enqueue({
        kind: 'sweep',
        jobId: sweepId,
        name: input.runIds.length === 1 ? `sweep of ${input.runIds[0]}` : `sweep of ${input.runIds.length} runs`,
        runIds: info.runIds,
        start: ({ progress }) => {
          const handle = startSweep(input.runIds, input.config, { runsRoot: root, sweepId, progress });
          return {
            cancel: handle.cancel,
            terminate: handle.terminate,
            done: handle.done.then((o) => {
              sweeps.delete(sweepId);
              return { state: o.status, ...(o.error ? { error: o.error } : { message: 'Sweep finished' }) };
            }),
          };
        },
      });
      return { ...job, sweepId, ...info };
    },

    'sweep.list': async (input) => {
      const store = new RunStore(runsRoot());
      const problems: string[] = [];
      let records;
      if (input?.runId) records = [await store.open(input.runId)];
      else {
        const listed = await store.list();
        records = listed.runs;
        problems.push(...listed.problems.map((p) => `${p.dir}: ${p.what}`));
      }
      const now = active();
      const runs = [];
      for (const r of records.filter((x) => x.status === 'completed')) {
        const s = await listSweepRecords(store.root, r.id);
        problems.push(...s.problems);
        runs.push({
          runId: r.id,
          name: r.config.name,
          createdAt: r.createdAt,
          method: r.config.optimizer.method,
          varLambda: r.config.optimizer.varLambda,
          seed: r.config.seed,
          inputSize: r.config.model.inputSize,
          trainingVerdict: r.trainingCheck?.verdict ?? 'unknown',
          // A record left 'running' by an earlier session (the app closed or crashed mid-sweep) is not running now.
          sweeps: s.records
            .map(summarizeSweep)
            .map((x) =>
              x.status === 'running' && !now.some((a) => a.sweepId === x.sweepId)
                ? { ...x, status: 'failed' as const, error: 'Interrupted: the studio stopped while this sweep ran' }
                : x,
            ),
        });
      }
      return { runs, active: now, problems };
    },

    'sweep.get': async (input) => readSweepRecord(runsRoot(), input.runId, input.sweepId),

    'sweep.images': async (input) => {
      const images = await readSweepImages(runsRoot(), input.runId, input.sweepId);
      if (!input.caseIds) return images;
      const want = new Set(input.caseIds);
      return { ...images, slices: images.slices.filter((s) => want.has(s.caseId)) };
    },
  };

  return { handlers };
}
