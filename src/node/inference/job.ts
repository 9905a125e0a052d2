/**
 * The prediction job (CLI-free): predict, write the chosen mask files and predictions.json, and
 * `masks.json` (every level's mask per slice, RLE) that the Predict view overlays on the scan.
 */
import * as path from 'node:path';
import { encodeMask } from '../../shared/metrics';
import type { PredictConfig, PredictFormat } from '../../shared/predict/config';
import type { PredictionSummary } from '../../shared/predict/result';
import type { PredictMasks } from '../../shared/api/schemas/predict';
import { writeFileAtomic } from '../fs/atomic';
import { defaultRunsRoot } from '../runs/store';
import { predictScan, type PredictProgress } from './predict';
import { writePrediction } from './write';

export const MASKS_FILE = 'masks.json';

export interface PredictJobRequest {
  predictionId: string;
  runDir: string;
  input: string;
  inputFormat?: string;
  /** Layouts: the scan channels feeding the model, in order, and the lesion labels (default: the run's). */
  channels?: string[];
  labels?: number[];
  config: PredictConfig;
  formats: PredictFormat[];
  outDir?: string;
  overwrite?: boolean;
}

/** `<studio home>/predictions`: beside `runs/`, so VAR_STUDIO_HOME moves both. */
export function predictionsRoot(): string {
  return path.join(path.dirname(defaultRunsRoot()), 'predictions');
}

export async function runPredictJob(
  req: PredictJobRequest,
  opts: { signal?: AbortSignal; onProgress?: (p: PredictProgress) => void } = {},
): Promise<{ outDir: string; summary: PredictionSummary }> {
  const outDir = path.resolve(req.outDir ?? path.join(predictionsRoot(), req.predictionId));
  const prediction = await predictScan({
    runDir: req.runDir,
    input: req.input,
    config: req.config,
    ...(req.inputFormat ? { format: req.inputFormat } : {}),
    ...(req.channels ? { channels: req.channels } : {}),
    ...(req.labels ? { labels: req.labels } : {}),
    ...opts,
  });
  const summary = await writePrediction(prediction, outDir, req.formats, {
    overwrite: !!req.overwrite,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const masks: PredictMasks[] = prediction.cases.map((c) => {
    const px = c.info.width * c.info.height;
    return {
      caseId: c.info.caseId,
      width: c.info.width,
      height: c.info.height,
      levels: c.masks.map((m, li) => ({
        sparsity: req.config.levels[li],
        slices: Array.from({ length: c.info.depth }, (_, k) => encodeMask(m.subarray(k * px, (k + 1) * px))),
      })),
    };
  });
  await writeFileAtomic(path.join(outDir, MASKS_FILE), JSON.stringify(masks), { overwrite: true });
  return { outDir, summary };
}
