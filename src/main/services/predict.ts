/**
 * The predict service: prediction jobs run in a child process (src/node/inference/host.ts);
 * progress streams as `job.progress` (kind "predict"). The masks a view overlays are read back
 * from the prediction's own masks.json.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import { PredictMasksOutputSchema } from '../../shared/api/schemas/predict';
import type { JobProgress } from '../../shared/api/contract';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { startPrediction, type PredictHandle } from '../../node/inference/host';
import { MASKS_FILE, predictionsRoot } from '../../node/inference/job';
import type { CallName } from '../../shared/api/contract';
import type { Service, ServiceContext } from './types';
import { checkRead, checkWrite } from './confine';
import { checkUserPath } from './datasets/paths';

type PredictCall = Extract<CallName, `predict.${string}`>;

function emitSafe(ctx: ServiceContext, p: JobProgress): void {
  try {
    ctx.events.emit('job.progress', p);
  } catch (e) {
    console.error(e);
  }
}

export function createPredictService(): Service<PredictCall> {
  const active = new Map<string, PredictHandle>();
  /** Output folders of this session's predictions (a chosen folder may be anywhere). */
  const folders = new Map<string, string>();

  const handlers: Service<PredictCall>['handlers'] = {
  'predict.start': async (input, ctx) => {
    const { runId, input: scan, inputFormat, formats, outDir, overwrite, jobId: requested, ...config } = input;
    const store = new RunStore(defaultRunsRoot());
    await store.open(runId); // not-found with a hint when the run is gone
    // Browser mode: the scan must be under an allowed root, the output under the studio home or an export root.
    checkRead(checkUserPath(scan), ctx.shell);
    if (outDir) checkWrite(outDir, ctx.shell);
    const jobId = requested ?? `predict-${randomBytes(4).toString('hex')}`;
    if (active.has(jobId)) throw new StudioError({ code: 'bad-input', what: `Prediction job ${jobId} is already running`, hint: 'Use a new job id' });
    const predictionId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
    const levels = [...new Set(config.levels)].sort((a, b) => a - b);
    const handle = startPrediction(
      { predictionId, runDir: store.paths(runId).dir, input: scan, ...(inputFormat ? { inputFormat } : {}), config: { ...config, levels }, formats, ...(outDir ? { outDir } : {}), overwrite },
      (p) => emitSafe(ctx, { jobId, kind: 'predict', fraction: p.fraction, message: p.message, step: p.step, totalSteps: p.totalSteps, state: 'running', ...(p.fraction > 0.05 ? { etaSeconds: p.etaSeconds } : {}) }),
    );
    active.set(jobId, handle);
    try {
      const result = await handle.done;
      folders.set(predictionId, result.outDir);
      emitSafe(ctx, { jobId, kind: 'predict', fraction: 1, state: 'done', message: `Predicted ${result.summary.cases.length} case(s) at ${levels.length} level(s)` });
      return { jobId, predictionId, ...result };
    } catch (e) {
      const cancelled = e instanceof StudioError && e.code === 'cancelled';
      emitSafe(ctx, { jobId, kind: 'predict', fraction: 0, state: cancelled ? 'cancelled' : 'failed', message: e instanceof StudioError ? `${e.what}. ${e.hint}` : String(e) });
      throw e;
    } finally {
      active.delete(jobId);
    }
  },
  'predict.cancel': async (input) => {
    const h = active.get(input.jobId);
    h?.cancel();
    return { cancelled: !!h };
  },
  'predict.masks': async (input) => {
    const dir = folders.get(input.predictionId) ?? path.join(predictionsRoot(), path.basename(input.predictionId));
    const file = path.join(dir, MASKS_FILE);
    if (!fs.existsSync(file)) throw new StudioError({ code: 'not-found', file, what: `prediction ${input.predictionId} has no masks here`, hint: 'Run the prediction again' });
    const all = PredictMasksOutputSchema.array().parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    const one = all.find((c) => c.caseId === input.caseId);
    if (!one) throw new StudioError({ code: 'not-found', file, what: `prediction ${input.predictionId} has no case ${input.caseId}`, hint: 'Pick a case of this prediction' });
    return one;
  },
  };
  return { handlers };
}
