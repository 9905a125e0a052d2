/**
 * What an export would produce, without touching the output folders: the files are built in a
 * private temp folder to measure their real sizes (and latency), then thrown away. No scoring:
 * the card shows the run's sweep numbers when there are any, the export fills in its own.
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelCard } from '../../shared/export/card';
import { renderModelCardMarkdown } from '../../shared/export/markdown';
import type { Calibration, ExportFormat, PruneSummary, SizeReportData, WeightPrecision } from '../../shared/export/schemas';
import type { BackendInfo } from '../compute/backend';
import type { LatencyOptions } from './latency';
import { CHANNEL_STATEMENT, sizeReport } from './size';
import { exportMetadata, writeModel } from './artifact';
import { buildModelCard } from './card';
import type { ExportJobRequest } from './job';
import { existingTargets, exportTargets } from './paths';
import { prepareExport } from './prepare';
import { readSweepLevels } from './sweep';
import { loadRunSamples } from '../train/data';
import { writeBaselines } from './baseline';
import { applyToModel, readWeights } from '../../shared/prune';

export interface ExportPreview {
  prune: PruneSummary;
  artifacts: { format: ExportFormat; weights: WeightPrecision; dir: string; existing: string[]; size: SizeReportData }[];
  card: ModelCard;
  markdown: string;
}

export async function previewExport(
  req: Omit<ExportJobRequest, 'overwrite'>,
  opts: { latency?: LatencyOptions; backend?: BackendInfo } = {},
): Promise<ExportPreview> {
  // A preview must not need training images: BatchNorm re-estimation is left to the export.
  const prep = await prepareExport(req.runDir, { ...req, reestimateBatchNorm: false }, { backend: opts.backend });
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'var-studio-preview-'));
  let baselines: Awaited<ReturnType<typeof writeBaselines>> | undefined;
  try {
    const artifacts: ExportPreview['artifacts'] = [];
    const calibrations: (Calibration | undefined)[] = [];
    const latency = opts.latency ?? { runs: 5, warmup: 1 };
    // Measured with the dense weights, then the pruned ones go back.
    if (prep.denseModel)
      baselines = await writeBaselines(
        prep.denseModel,
        exportTargets(req).map((t) => t.format),
      );
    else {
      const pruned = await readWeights(prep.model);
      applyToModel(prep.model, prep.original);
      baselines = await writeBaselines(
        prep.model,
        exportTargets(req).map((t) => t.format),
      );
      applyToModel(prep.model, pruned);
    }
    // int8-qdq and int8-full are calibrated on training slices here too, so the preview measures the real file.
    let train: Promise<Float32Array[]> | undefined;
    const calibration = { images: () => (train ??= loadRunSamples(prep.src.record.config).then((d) => d.train.map((s) => s.image))) };
    for (const t of exportTargets(req)) {
      const w = await writeModel(
        prep.model,
        t.format,
        t.weights,
        path.join(tmp, t.name),
        exportMetadata(prep.src.record.id, req),
        calibration,
      );
      const base = baselines.get(t.format);
      const compare = base && { baseline: { ...base, dice: null }, dice: null, scored: false };
      const size = await sizeReport({
        model: prep.model,
        format: t.format,
        weights: t.weights,
        files: w.files,
        quantizedBytes: w.quantizedBytes,
        latency,
        ...(compare ? { compare } : {}),
        ...(req.family === 'channel' ? { statement: CHANNEL_STATEMENT } : {}),
      });
      artifacts.push({ format: t.format, weights: t.weights, dir: t.dir, existing: existingTargets(t.dir, t.format), size });
      calibrations.push(w.calibration);
    }
    const r = prep.src.record;
    const first = artifacts[0];
    const card = buildModelCard({
      record: r,
      weightsSource: prep.src.weights,
      weightsEpochs: prep.src.weightsEpochs,
      parameters: prep.parameters,
      prune: { ...prep.prune, batchNormReestimated: req.reestimateBatchNorm },
      kernels: prep.kernels,
      evaluatedOn: r.config.split.val > 0 ? 'val' : 'test',
      counts: {
        trainSlices: r.data?.trainSamples ?? null,
        valSlices: r.data?.valSamples ?? null,
        evaluatedSlices: null,
        evaluatedCases: null,
      },
      dense: null,
      pruned: null,
      sweep: await readSweepLevels(prep.src.runDir),
      export: first
        ? {
            format: first.format,
            weights: first.weights,
            size: first.size,
            check: null,
            ...(calibrations[0] ? { calibration: calibrations[0] } : {}),
          }
        : null,
    });
    return { prune: prep.prune, artifacts, card, markdown: renderModelCardMarkdown(card) };
  } finally {
    prep.model.dispose();
    await baselines?.dispose();
    prep.denseModel?.dispose();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
