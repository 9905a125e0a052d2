/**
 * The export job: prune a copy of a run's model, write each requested format x weight precision,
 * load every written file back with its own runtime and score it on the evaluation split against
 * the float32 pruned model, measure sizes and latency, write a model card beside the files.
 * Everything is built in a private staging folder and placed at the end as one unit.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Sample } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import { etaSeconds, type IProgress, type ProgressStep } from '../../shared/progress';
import { renderModelCardMarkdown } from '../../shared/export/markdown';
import type {
  ArtifactCheck,
  ExportArtifact,
  ExportFormat,
  ExportResult,
  SizeReportData,
  WeightPrecision,
} from '../../shared/export/schemas';
import { applyToModel, readWeights } from '../../shared/prune';
import type { BackendInfo } from '../compute/backend';
import type { LatencyOptions } from './latency';
import { CHANNEL_STATEMENT, sizeReport } from './size';
import { writeBaselines } from './baseline';
import { loadRunSamples } from '../train/data';
import { exportMetadata, loadBack, writeModel, type CalibrationSource } from './artifact';
import { buildModelCard } from './card';
import { recordExports } from './history';
import { CARD_JSON, CARD_MD, exportTargets } from './paths';
import { checkDestinations, createStaging, dropStaging, placeStaged, type StagedTarget } from './staging';
import { prepareExport, type LevelRequest } from './prepare';
import { compareToReference, predictAll, scoreExport, tfjsPredictor } from './check';
import { readSweepLevels } from './sweep';

export interface ExportJobRequest extends LevelRequest {
  runDir: string;
  formats: ExportFormat[];
  weights: WeightPrecision[];
  outDir?: string;
  overwrite: boolean;
}

export interface ExportJobProgress extends ProgressStep {
  step: number;
  totalSteps: number;
  message: string;
}

/** Below this fraction the steps done so far say too little about the rest (loading is quick, scoring slow). */
const ETA_FROM_FRACTION = 0.05;

export interface ExportJobOptions {
  signal?: AbortSignal;
  progress?: IProgress<ExportJobProgress>;
  /** Latency measurement (default 20 timed runs after 3 warm-ups, 1 thread, batch 1). */
  latency?: LatencyOptions;
  backend?: BackendInfo;
}

function checkCancel(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw new StudioError({ code: 'cancelled', what: 'The export was cancelled', hint: 'Nothing was written; start it again when needed' });
}

export async function runExportJob(req: ExportJobRequest, opts: ExportJobOptions = {}): Promise<ExportResult> {
  const t0 = performance.now();
  const targets = exportTargets(req);
  if (!targets.length)
    throw new StudioError({
      code: 'bad-input',
      what: 'No format or weight precision was chosen',
      hint: 'Pick at least one format (onnx, tfjs, tflite) and one precision (fp32, fp16, int8-weights, int8-qdq, int8-full; int8-qdq is ONNX only, int8-full TFLite only)',
    });
  if (new Set(targets.map((t) => t.dir)).size !== targets.length)
    throw new StudioError({ code: 'bad-input', what: 'Two exports would share one folder', hint: 'Repeat no format or precision' });
  // Fail before minutes of work, not after: the same check runs again when the files are placed.
  const places: StagedTarget[] = targets.map((t) => ({ format: t.format, dir: t.dir, name: t.name }));
  const parent = checkDestinations(places, req.overwrite);
  const totalSteps = 5 + 3 * targets.length + 1;
  let step = 0;
  const progress = (message: string) => {
    checkCancel(opts.signal);
    const fraction = Math.min(1, step / totalSteps);
    const eta = fraction > ETA_FROM_FRACTION ? etaSeconds((performance.now() - t0) / 1000, fraction, 1 - fraction) : undefined;
    opts.progress?.report({ fraction, step, totalSteps, message, ...(eta !== undefined ? { etaSeconds: eta } : {}) });
    step++;
    checkCancel(opts.signal); // a cancel that arrived with this step stops before its work
  };

  progress('Loading the run');
  // Inside the destination's parent: the same file system, so placing is a rename.
  const staging = await createStaging(parent);
  let model: Awaited<ReturnType<typeof prepareExport>>['model'] | undefined;
  let baselines: Awaited<ReturnType<typeof writeBaselines>> | undefined;
  let denseModel: Awaited<ReturnType<typeof prepareExport>>['denseModel'];
  try {
    // Loaded once, when first needed: by BatchNorm re-estimation (train) or by scoring (val/test).
    let samples: Promise<{ train: Sample[]; val: Sample[]; test: Sample[] }> | undefined;
    const getSamples = (config: Parameters<typeof loadRunSamples>[0]) => (samples ??= loadRunSamples(config));
    const prep = await prepareExport(req.runDir, req, {
      backend: opts.backend,
      calibration: async (s) => (await getSamples(s.record.config)).train,
    });
    model = prep.model;
    denseModel = prep.denseModel;
    const { src } = prep;
    progress('Loading the evaluation images');
    const data = await getSamples(src.record.config);
    const evaluatedOn = data.val.length ? 'val' : 'test';
    const evalSet = data.val.length ? data.val : data.test;
    if (!evalSet.length)
      throw new StudioError({
        code: 'bad-input',
        what: 'The run has no validation or test images to score the export on',
        hint: 'Train with a validation fraction above 0',
      });
    const { inputSize: size, inChannels: channels } = src.record.config.model;

    progress('Scoring the dense model');
    let dense;
    if (prep.denseModel) {
      // Channel family: the trained model is its own object (the exported one is rebuilt smaller).
      dense = scoreExport(await predictAll(tfjsPredictor(prep.denseModel), evalSet, size, channels, opts.signal), evalSet, size);
      progress('Writing the dense float32 model each verdict compares with');
      baselines = await writeBaselines(
        prep.denseModel,
        targets.map((t) => t.format),
      );
    } else {
      const pruned = await readWeights(model);
      applyToModel(model, prep.original);
      dense = scoreExport(await predictAll(tfjsPredictor(model), evalSet, size, channels, opts.signal), evalSet, size);
      progress('Writing the dense float32 model each verdict compares with');
      baselines = await writeBaselines(
        model,
        targets.map((t) => t.format),
      );
      applyToModel(model, pruned);
    }

    progress('Scoring the pruned float32 model');
    const refProbs = await predictAll(tfjsPredictor(model), evalSet, size, channels, opts.signal);
    const reference = scoreExport(refProbs, evalSet, size);

    const sweep = await readSweepLevels(src.runDir);
    const metadata = exportMetadata(src.record.id, req);
    const staged: { names: string[]; dir: string; markdown: string; artifact: Omit<ExportArtifact, 'files' | 'card'> }[] = [];
    // int8-qdq and int8-full calibrate their activation ranges on training slices (never on the evaluation split).
    const calibration: CalibrationSource = { images: async () => data.train.map((s) => s.image) };
    for (const t of targets) {
      progress(`Writing ${t.format} ${t.weights}`);
      const stageDir = path.join(staging, t.name);
      const written = await writeModel(model, t.format, t.weights, stageDir, metadata, calibration);

      progress(`Loading ${t.format} ${t.weights} back and scoring it`);
      const back = await loadBack(t.format, stageDir);
      let check: ArtifactCheck;
      try {
        check = compareToReference(
          back.runtime,
          await predictAll(back.predict, evalSet, size, channels, opts.signal),
          refProbs,
          evalSet,
          size,
          reference,
        );
        if (back.ops) check.ops = back.ops;
      } finally {
        await back.dispose();
      }

      progress(`Measuring ${t.format} ${t.weights}: sizes and latency`);
      const base = baselines.get(t.format);
      const compare = base && { baseline: { ...base, dice: dense.caseDice.mean }, dice: check.score.caseDice.mean, scored: true };
      const size_: SizeReportData = await sizeReport({
        model,
        format: t.format,
        weights: t.weights,
        files: written.files,
        quantizedBytes: written.quantizedBytes,
        latency: opts.latency,
        ...(compare ? { compare } : {}),
        ...(req.family === 'channel' ? { statement: CHANNEL_STATEMENT } : {}),
      });
      const card = buildModelCard({
        record: src.record,
        weightsSource: src.weights,
        weightsEpochs: src.weightsEpochs,
        parameters: prep.parameters,
        prune: prep.prune,
        kernels: prep.kernels,
        evaluatedOn,
        counts: {
          trainSlices: data.train.length,
          valSlices: data.val.length,
          evaluatedSlices: evalSet.length,
          evaluatedCases: reference.cases,
        },
        dense,
        pruned: reference,
        sweep,
        export: {
          format: t.format,
          weights: t.weights,
          size: size_,
          check,
          ...(written.calibration ? { calibration: written.calibration } : {}),
        },
      });
      await fsp.writeFile(path.join(stageDir, CARD_JSON), JSON.stringify(card, null, 1));
      const markdown = renderModelCardMarkdown(card);
      await fsp.writeFile(path.join(stageDir, CARD_MD), markdown);
      const names = [...written.files.map((f) => path.basename(f)), CARD_JSON, CARD_MD];
      staged.push({ names, dir: t.dir, markdown, artifact: { format: t.format, weights: t.weights, dir: t.dir, size: size_, check } });
    }

    progress('Saving');
    // The folders may have changed during the work; after this check the set is committed.
    checkDestinations(places, req.overwrite);
    // A cancel from here on puts the previous folders back (placeStaged undoes what it placed).
    await placeStaged(staging, places, { signal: opts.signal });
    const artifacts: ExportArtifact[] = staged.map((s) => ({
      ...s.artifact,
      files: s.names.filter((n) => n !== CARD_JSON && n !== CARD_MD).map((n) => path.join(s.dir, n)),
      card: { json: path.join(s.dir, CARD_JSON), markdown: path.join(s.dir, CARD_MD), text: s.markdown },
    }));
    const now = new Date().toISOString();
    // The history is a convenience; the export itself is complete without it.
    await recordExports(
      src.runDir,
      artifacts.map((a) => ({
        runId: src.record.id,
        dir: a.dir,
        format: a.format,
        weights: a.weights,
        sparsity: req.sparsity,
        scope: req.scope,
        keepFirstLast: req.keepFirstLast,
        family: req.family,
        createdAt: now,
        fileBytes: a.size.fileBytes,
        gzipBytes: a.size.gzipBytes,
        dice: a.check.score.caseDice.mean,
        deltaDice: a.check.deltaDice,
      })),
    ).catch(() => undefined);
    opts.progress?.report({ fraction: 1, step: totalSteps, totalSteps, message: 'Done' });
    return {
      runId: src.record.id,
      runDir: src.runDir,
      prune: prep.prune,
      evaluatedOn,
      dense,
      pruned: reference,
      artifacts,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    model?.dispose();
    await baselines?.dispose();
    denseModel?.dispose();
    // Gone already when placed; removed here after a failure or a cancel.
    await dropStaging(staging);
  }
}
