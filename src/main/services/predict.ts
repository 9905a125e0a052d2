/**
 * The predict service: predictions are jobs (kind "predict") of the studio's one queue, run in
 * child processes (src/node/inference/host.ts); progress is `job.progress`, cancel is
 * `jobs.cancel`, and the result is kept for predict.result. The masks a view overlays are read
 * back from the prediction's own masks.json.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StudioError } from '../../shared/errors';
import { PredictMasksOutputSchema } from '../../shared/api/schemas/predict';
import type { CallName } from '../../shared/api/contract';
import { defaultRunsRoot, RunStore } from '../../node/runs/store';
import { startPrediction, type PredictResult } from '../../node/inference/host';
import { MASKS_FILE } from '../../node/inference/job';
import type { Service } from './types';
import { createConfinement, type Confinement } from './confine';
import { checkUserPath } from './datasets/paths';
import { jobError, type JobService } from './jobs';

type PredictCall = Extract<CallName, `predict.${string}`>;

export interface PredictServiceOptions {
  jobs: JobService;
  /** Runs root; default: resolved at every call from VAR_STUDIO_HOME. Predictions go beside it. */
  runsRoot?: () => string;
  /** What browser mode may read and write (the host's; default: the standard roots). */
  confinement?: Confinement;
}

export type PredictService = Service<PredictCall>;

export function createPredictService(options: PredictServiceOptions): PredictService {
  const { jobs, confinement = createConfinement() } = options;
  const runsRoot = options.runsRoot ?? (() => defaultRunsRoot());
  /** `<studio home>/predictions`: beside `runs/`, so VAR_STUDIO_HOME moves both. */
  const predictionsRoot = () => path.join(path.dirname(runsRoot()), 'predictions');
  /** Output folders of this session's predictions (a chosen folder may be anywhere). */
  const folders = new Map<string, string>();

  const handlers: PredictService['handlers'] = {
    'predict.start': async (input, ctx) => {
      const { runId, input: scan, inputFormat, channels, labels, formats, outDir: chosen, overwrite, jobId, ...config } = input;
      const store = new RunStore(runsRoot());
      const run = await store.open(runId); // not-found with a hint when the run is gone
      // Browser mode: the scan must be under an allowed root, the output under the studio home or an export root.
      confinement.checkRead(checkUserPath(scan), ctx.shell);
      if (chosen) confinement.checkWrite(chosen, ctx.shell);
      const predictionId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
      const outDir = path.resolve(chosen ?? path.join(predictionsRoot(), predictionId));
      const levels = [...new Set(config.levels)].sort((a, b) => a - b);
      const request = {
        predictionId,
        runDir: store.paths(runId).dir,
        input: scan,
        ...(inputFormat ? { inputFormat } : {}),
        ...(channels ? { channels } : {}),
        ...(labels ? { labels } : {}),
        config: { ...config, levels },
        formats,
        outDir,
        overwrite,
      };
      const job = jobs.enqueue({
        kind: 'predict',
        name: `prediction with ${run.config.name}`,
        runId,
        ...(jobId ? { jobId } : {}),
        start: ({ progress }) => {
          const handle = startPrediction(request, progress);
          return {
            runId,
            cancel: handle.cancel,
            terminate: handle.terminate,
            done: handle.done.then((result) => {
              folders.set(predictionId, result.outDir);
              const n = result.summary.cases.length;
              return {
                state: 'completed',
                runId,
                result: { predictionId, ...result },
                message: `Predicted ${n} case${n === 1 ? '' : 's'} at ${levels.length} level${levels.length === 1 ? '' : 's'}`,
              };
            }),
          };
        },
      });
      return { ...job, predictionId, outDir };
    },
    'predict.result': async (input) => {
      const found = jobs.outcome(input.jobId);
      if (!found || found.job.kind !== 'predict') {
        throw new StudioError({
          code: 'not-found',
          what: `No prediction job ${input.jobId} in this session`,
          hint: 'Start the prediction again; earlier ones are in their output folders (predictions.json)',
        });
      }
      if (!found.outcome)
        throw new StudioError({
          code: 'bad-input',
          what: `Prediction job ${input.jobId} is still ${found.job.state}`,
          hint: 'Ask again once it completed (job.changed)',
        });
      if (found.job.state !== 'completed') throw jobError(found.job);
      return { jobId: input.jobId, ...(found.outcome.result as PredictResult & { predictionId: string }) };
    },
    'predict.masks': async (input) => {
      const dir = folders.get(input.predictionId) ?? path.join(predictionsRoot(), path.basename(input.predictionId));
      const file = path.join(dir, MASKS_FILE);
      if (!fs.existsSync(file))
        throw new StudioError({
          code: 'not-found',
          file,
          what: `prediction ${input.predictionId} has no masks here`,
          hint: 'Run the prediction again',
        });
      const all = PredictMasksOutputSchema.array().parse(JSON.parse(fs.readFileSync(file, 'utf8')));
      const one = all.find((c) => c.caseId === input.caseId);
      if (!one)
        throw new StudioError({
          code: 'not-found',
          file,
          what: `prediction ${input.predictionId} has no case ${input.caseId}`,
          hint: 'Pick a case of this prediction',
        });
      return one;
    },
  };
  return { handlers };
}
