/**
 * The sweep service: starts sweeps in worker processes (src/node/sweep), streams their progress as
 * `job.progress` (kind "sweep", jobId = sweepId) and reads stored results back from the run
 * directories, so reopening the studio shows every saved sweep without recomputing.
 */
import type { z } from 'zod';
import type { ActiveSweepSchema } from '../../shared/api/schemas/sweep';
import { StudioError } from '../../shared/errors';
import { summarizeSweep } from '../../shared/sweep/result';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { listSweepRecords, readSweepImages, readSweepRecord, startSweep, type SweepHandle } from '../../node/sweep';
import type { HandlerMap } from './index';

type Active = z.infer<typeof ActiveSweepSchema>;

/** Sweeps of this process by id. A finished sweep leaves the map; its records stay on disk. */
const active = new Map<string, { handle: SweepHandle; info: Active }>();

/** Resolved at call time so VAR_STUDIO_HOME set by a test or the CLI applies. */
const runsRoot = () => defaultRunsRoot();

/** Test hook: stops a sweep's process the way a crash would. */
export async function terminateSweepForTests(sweepId: string): Promise<void> {
  await active.get(sweepId)?.handle.terminate();
}

export const sweepHandlers = {
  'sweep.start': async (input, ctx) => {
    const store = new RunStore(runsRoot());
    for (const id of input.runIds) {
      const r = await store.open(id);
      if (r.status !== 'completed') {
        throw new StudioError({ code: 'bad-input', what: `Run "${r.config.name}" is ${r.status}, not completed`, hint: 'Sweep completed runs only; resume the run to finish it first' });
      }
    }
    // Progress arrives from a worker message handler: a throw there would take the process down.
    const emit = (p: Parameters<typeof ctx.events.emit<'job.progress'>>[1]) => {
      try {
        ctx.events.emit('job.progress', p);
      } catch (e) {
        console.error(e);
      }
    };
    const handle = startSweep(input.runIds, input.config, {
      runsRoot: runsRoot(),
      onProgress: (p) => {
        const entry = active.get(handle.sweepId);
        if (entry) Object.assign(entry.info, { fraction: p.fraction, etaSeconds: p.etaSeconds, message: p.message });
        emit({ jobId: p.sweepId, kind: 'sweep', fraction: p.fraction, etaSeconds: p.etaSeconds, message: p.message, step: p.step, totalSteps: p.totalSteps, state: 'running' });
      },
    });
    active.set(handle.sweepId, {
      handle,
      info: { sweepId: handle.sweepId, runIds: handle.runIds, levels: input.config.levels, startedAt: new Date().toISOString(), fraction: 0 },
    });
    void handle.done.then((o) => {
      const reached = active.get(o.sweepId)?.info.fraction ?? 0;
      active.delete(o.sweepId);
      const state = o.status === 'completed' ? 'done' : o.status;
      emit({ jobId: o.sweepId, kind: 'sweep', fraction: o.status === 'completed' ? 1 : reached, state, message: o.error ? `${o.error.what}. ${o.error.hint}` : 'Sweep finished' });
    });
    return { sweepId: handle.sweepId, runIds: handle.runIds };
  },

  'sweep.cancel': async (input) => {
    const entry = active.get(input.sweepId);
    if (!entry) return { cancelled: false };
    entry.handle.cancel();
    return { cancelled: true };
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
        sweeps: s.records.map(summarizeSweep).map((x) =>
          x.status === 'running' && !active.has(x.sweepId) ? { ...x, status: 'failed' as const, error: 'Interrupted: the studio stopped while this sweep ran' } : x,
        ),
      });
    }
    return { runs, active: [...active.values()].map((a) => ({ ...a.info })), problems };
  },

  'sweep.get': async (input) => readSweepRecord(runsRoot(), input.runId, input.sweepId),

  'sweep.images': async (input) => {
    const images = await readSweepImages(runsRoot(), input.runId, input.sweepId);
    if (!input.caseIds) return images;
    const want = new Set(input.caseIds);
    return { ...images, slices: images.slices.filter((s) => want.has(s.caseId)) };
  },
} satisfies HandlerMap;
