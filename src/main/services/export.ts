/**
 * The export service: export jobs and previews run in a worker thread (src/node/export/host.ts);
 * progress streams as `job.progress` (kind "export", jobId from the caller or generated).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { listExports } from '../../node/export/history';
import { startExport, startPreview, type ExportHandle } from '../../node/export/host';
import { EXPORTS_DIR } from '../../node/export/paths';
import { readSweepLevels } from '../../node/export/sweep';
import { recoverRunStoreStaging } from '../../node/export/staging';
import { checkWrite } from './confine';
import type { JobProgress } from '../../shared/api/contract';
import type { ExportResult } from '../../shared/export/schemas';
import type { HandlerMap, ServiceContext } from './index';

const active = new Map<string, ExportHandle<ExportResult>>();

/** Resolved at call time so VAR_STUDIO_HOME set by a test or the CLI applies. */
const store = () => new RunStore(defaultRunsRoot());

async function runDirOf(runId: string): Promise<string> {
  const s = store();
  await s.open(runId); // not-found with a hint when the run is gone
  return s.paths(runId).dir;
}

function emitSafe(ctx: ServiceContext, p: JobProgress): void {
  // Called from worker message handlers: a throw there would take the process down.
  try {
    ctx.events.emit('job.progress', p);
  } catch (e) {
    console.error(e);
  }
}

/**
 * At start: complete the placements an earlier process committed but did not finish (killed), and
 * delete the staging folders of exports that never reached placement.
 */
export async function recoverExports(): Promise<void> {
  try {
    await recoverRunStoreStaging(store().root);
  } catch (e) {
    console.error(`Could not tidy unfinished exports: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const hasWeights = (dir: string) => ['model', 'checkpoint'].some((d) => fs.existsSync(path.join(dir, d, 'weights.bin')));

export const exportHandlers = {
  'export.run': async (input, ctx) => {
    const { runId, jobId: requested, ...rest } = input;
    const runDir = await runDirOf(runId);
    // Browser mode writes only under the run store and the export root.
    if (rest.outDir) checkWrite(rest.outDir, ctx.shell);
    const jobId = requested ?? `export-${randomBytes(4).toString('hex')}`;
    if (active.has(jobId)) throw new StudioError({ code: 'bad-input', what: `Export job ${jobId} is already running`, hint: 'Use a new job id' });
    const t0 = performance.now();
    const handle = startExport({ ...rest, runDir }, (p) => {
      const elapsed = (performance.now() - t0) / 1000;
      emitSafe(ctx, { jobId, kind: 'export', fraction: p.fraction, message: p.message, step: p.step, totalSteps: p.totalSteps, state: 'running', ...(p.fraction > 0.05 ? { etaSeconds: (elapsed * (1 - p.fraction)) / p.fraction } : {}) });
    });
    active.set(jobId, handle);
    try {
      const result = await handle.done;
      emitSafe(ctx, { jobId, kind: 'export', fraction: 1, state: 'done', message: `Exported ${result.artifacts.length} file set(s)` });
      return { ...result, jobId };
    } catch (e) {
      const cancelled = e instanceof StudioError && e.code === 'cancelled';
      emitSafe(ctx, { jobId, kind: 'export', fraction: 0, state: cancelled ? 'cancelled' : 'failed', message: e instanceof StudioError ? `${e.what}. ${e.hint}` : String(e) });
      throw e;
    } finally {
      active.delete(jobId);
    }
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
          run: { id: r.id, name: r.config.name, status: r.status, method: r.config.optimizer.method, varLambda: r.config.optimizer.varLambda, createdAt: r.createdAt, exportable: hasWeights(dir), sweepLevels: (await readSweepLevels(dir)).map(({ sparsity, dice }) => ({ sparsity, dice })), exportsDir: path.join(dir, EXPORTS_DIR) },
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
  'export.cancel': async (input) => {
    const h = active.get(input.jobId);
    h?.cancel();
    return { cancelled: !!h };
  },
  'export.pickFolder': async (_input, ctx) => {
    if (!ctx.dialogs) return { available: false };
    const picked = await ctx.dialogs.pickFolder();
    return picked ? { available: true, path: picked } : { available: true };
  },
} satisfies HandlerMap;
