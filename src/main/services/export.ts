/**
 * The export service: exports are jobs (kind "export") of the studio's one queue, run in child
 * processes (src/node/export/host.ts); their result is kept for export.result. Previews are
 * answered at once, in a child process too, outside the queue (they only measure).
 */
import * as path from 'node:path';
import type { CallName } from '../../shared/api/contract';
import type { ExportResult } from '../../shared/export/schemas';
import { StudioError } from '../../shared/errors';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { listExports } from '../../node/export/history';
import { startExport, startPreview } from '../../node/export/host';
import { EXPORTS_DIR, exportTargets } from '../../node/export/paths';
import { checkDestinations, recoverPendingStaging, recoverRunStoreStaging } from '../../node/export/staging';
import { readSweepLevels } from '../../node/export/sweep';
import { createConfinement, type Confinement } from './confine';
import { jobError, type JobService } from './jobs';
import type { Service } from './types';

type ExportCall = Extract<CallName, `export.${string}`>;

export interface ExportServiceOptions {
  jobs: JobService;
  /** Runs root; default: resolved at every call from VAR_STUDIO_HOME (tests and the CLI set it). */
  runsRoot?: () => string;
  /** What browser mode may write (the host's; default: the standard roots). */
  confinement?: Confinement;
}

export type ExportService = Service<ExportCall>;

export function createExportService(options: ExportServiceOptions): ExportService {
  const { jobs, confinement = createConfinement() } = options;
  const store = () => new RunStore((options.runsRoot ?? defaultRunsRoot)());

  // At start: undo the placements an earlier (killed) process did not finish, and delete the
  // staging folders of exports that never reached placement.
  Promise.all([recoverRunStoreStaging(store().root), recoverPendingStaging()]).catch((e: unknown) =>
    console.error(`Could not tidy unfinished exports: ${e instanceof Error ? e.message : String(e)}`),
  );

  async function runDirOf(runId: string): Promise<string> {
    const s = store();
    await s.open(runId); // not-found with a hint when the run is gone
    return s.paths(runId).dir;
  }

  const handlers: Service<ExportCall>['handlers'] = {
    'export.run': async (input, ctx) => {
      const { runId, jobId, ...rest } = input;
      const request = { ...rest, runDir: await runDirOf(runId) };
      // Browser mode writes only under the run store and the export root.
      if (rest.outDir) confinement.checkWrite(rest.outDir, ctx.shell);
      // Say so now rather than after the queue: the job checks again when it places the files.
      checkDestinations(exportTargets(request), request.overwrite);
      return jobs.enqueue({
        kind: 'export',
        name: `export of ${runId}`,
        runId,
        ...(jobId ? { jobId } : {}),
        start: ({ progress }) => {
          const handle = startExport(request, progress);
          return {
            runId,
            cancel: handle.cancel,
            terminate: handle.terminate,
            done: handle.done.then((result) => {
              const n = result.artifacts.length;
              return { state: 'completed', runId, result, message: `Exported ${n} file set${n === 1 ? '' : 's'}` };
            }),
          };
        },
      });
    },
    'export.result': async (input) => {
      const found = jobs.outcome(input.jobId);
      if (!found || found.job.kind !== 'export') {
        throw new StudioError({
          code: 'not-found',
          what: `No export job ${input.jobId} in this session`,
          hint: 'Previous exports are listed by export.list',
        });
      }
      if (!found.outcome)
        throw new StudioError({
          code: 'bad-input',
          what: `Export job ${input.jobId} is still ${found.job.state}`,
          hint: 'Ask again once it completed (job.changed)',
        });
      if (found.job.state !== 'completed') throw jobError(found.job);
      return { ...(found.outcome.result as ExportResult), jobId: input.jobId };
    },
    'export.preview': async (input) => {
      const { runId, ...rest } = input;
      return startPreview({ ...rest, runDir: await runDirOf(runId) }).done;
    },
    'export.list': async (input) => {
      const s = store();
      const { runs } = await s.list();
      const out = await Promise.all(
        runs.map(async (r) => {
          const dir = s.paths(r.id).dir;
          return {
            run: {
              id: r.id,
              name: r.config.name,
              status: r.status,
              method: r.config.optimizer.method,
              varLambda: r.config.optimizer.varLambda,
              createdAt: r.createdAt,
              exportable: s.trainedWeights(r.id) !== undefined,
              sweepLevels: (await readSweepLevels(dir)).map(({ sparsity, dice }) => ({ sparsity, dice })),
              exportsDir: path.join(dir, EXPORTS_DIR),
            },
            exports: !input?.runId || input.runId === r.id ? await listExports(dir) : [],
          };
        }),
      );
      return {
        runsRoot: s.root,
        runs: out.map((o) => o.run),
        exports: out.flatMap((o) => o.exports).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)),
      };
    },
    'export.pickFolder': async (_input, ctx) => {
      if (!ctx.dialogs) return { available: false };
      const picked = await ctx.dialogs.pickFolder();
      return picked ? { available: true, path: picked } : { available: true };
    },
  };

  return { handlers };
}
