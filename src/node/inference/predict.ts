/**
 * THE predictor: a trained run's weights, pruned in one shot at each requested level (the same
 * pruning code as the sweep and the export), run on every slice of a scan that may have no mask.
 * Slices are preprocessed exactly as in training (per-case percentile clip + z-score, resize to
 * the model input); the probabilities are resized back to each slice's own size (bilinear) and
 * only then thresholded, so the masks are in the scan's original size and slice order.
 */
import { createScorer, type Scorer } from '../compute/inference';
import { preprocess } from '../../shared/data/preprocess';
import { resizeBilinear } from '../../shared/data/resize';
import type { Dataset, Sample, Slice } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import { scoreSegmentation } from '../../shared/metrics';
import type { PredictConfig } from '../../shared/predict/config';
import type { PredictedCase, PredictionSummary } from '../../shared/predict/result';
import { applyToModel, pruneWeights, readWeights } from '../../shared/prune';
import { initBackend, type BackendPreference } from '../compute/backend';
import { etaSeconds, type ProgressStep } from '../../shared/progress';
import { loadRunModel } from '../train/runModel';
import { scanSource, seriesGeometry, sourceLabel, type ScanSource, type SeriesGeometry } from './source';
import { percent } from '../../shared/format/percent';

/** A job progress step (one ETA rule: shared/progress). */
export interface PredictProgress extends ProgressStep {
  step: number;
  totalSteps: number;
  message: string;
}

export interface PredictOptions {
  /** A run directory (holds run.json). */
  runDir: string;
  /** A scan: file or folder in any format the studio reads. */
  input: string;
  /** Force the input format (lgg, png, nifti, dicom). */
  format?: string;
  /**
   * Multi-channel layouts (Decathlon/nnU-Net, BraTS): the scan's channel names that feed the
   * model's inputs, in order; default the run's own `data.channels` (the order it was trained on).
   * `labels`: the label values of the scan's label maps that count as lesion, for Dice; default the run's.
   */
  channels?: string[];
  labels?: number[];
  config: PredictConfig;
  backend?: BackendPreference;
  signal?: AbortSignal;
  onProgress?: (p: PredictProgress) => void;
}

/** One case's masks, level by level, in the studio order (slice, row, column) at the scan's size. */
export interface CasePrediction {
  info: PredictedCase;
  source: ScanSource;
  geometry?: SeriesGeometry;
  masks: Uint8Array[];
  truth?: Uint8Array;
}

export interface Prediction {
  summary: PredictionSummary;
  cases: CasePrediction[];
}

const cancelled = () =>
  new StudioError({
    code: 'cancelled',
    what: 'The prediction was cancelled',
    hint: 'Nothing was written; start it again to get the masks',
  });

interface Prepared {
  caseId: string;
  slices: Array<Pick<Slice, 'width' | 'height' | 'mask' | 'spacing' | 'sliceThickness' | 'source'>>;
  samples: Sample[];
}

/** All cases of the input, preprocessed for the model (raw pixels are dropped once preprocessed). */
async function prepare(ds: Dataset, size: number, channels: number, signal?: AbortSignal): Promise<Prepared[]> {
  const out: Prepared[] = [];
  for (const c of ds.cases) {
    if (signal?.aborted) throw cancelled();
    const slices = await ds.slices(c.id);
    if (slices.length === 0) continue;
    const odd = slices.find((s) => s.width !== slices[0].width || s.height !== slices[0].height);
    if (odd)
      throw new StudioError({
        code: 'mismatch',
        file: odd.source,
        what: `slice ${odd.index} of case ${c.id} is ${odd.width}x${odd.height}, the first is ${slices[0].width}x${slices[0].height}`,
        hint: 'Predict on one acquisition at a time',
      });
    const samples = preprocess(slices, { size, channels, requireMasks: false });
    out.push({
      caseId: c.id,
      slices: slices.map(({ width, height, mask, spacing, sliceThickness, source }) => ({
        width,
        height,
        mask,
        spacing,
        sliceThickness,
        source,
      })),
      samples,
    });
  }
  if (out.length === 0)
    throw new StudioError({ code: 'not-found', file: ds.root, what: 'the scan has no slices', hint: 'Point to a scan with images' });
  return out;
}

function stepOf(
  p: Prepared,
  src: ScanSource,
  geometry: SeriesGeometry | undefined,
): { step: number | null; from: PredictedCase['sliceStepFrom'] } {
  if (geometry?.sliceStep) return { step: geometry.sliceStep, from: 'positions' };
  const t = p.slices[0].sliceThickness;
  if (t !== undefined && t > 0) return { step: t, from: src.kind === 'nifti' ? 'nifti' : 'thickness' };
  return { step: null, from: 'none' };
}

export async function predictScan(opts: PredictOptions): Promise<Prediction> {
  const t0 = performance.now();
  const { config } = opts;
  const backend = await initBackend(opts.backend ?? 'auto', { log: () => {} });
  const { openDataset, checkDataIssues, detectFormat, limitsOf } = await import('../data/index');
  const loaded = await loadRunModel(opts.runDir);
  const { model, record: run } = loaded;
  const warnings: string[] = [];
  try {
    const format = opts.format ?? detectFormat(opts.input, limitsOf());
    const layout = format === 'decathlon' || format === 'brats';
    const trained = run.config.data.kind === 'path' ? run.config.data : undefined;
    const scanChannels = opts.channels ?? (layout ? trained?.channels : undefined);
    const labelMaps = layout || format === 'nifti';
    // The run's lesion labels apply by default to layouts (the data it was trained on); elsewhere only when asked.
    const labels = opts.labels ?? (layout ? trained?.labels : undefined);
    if ((!layout && opts.channels) || (!labelMaps && opts.labels)) {
      throw new StudioError({
        code: 'bad-input',
        file: opts.input,
        what: `${!layout && opts.channels ? 'channels are chosen for Decathlon/nnU-Net and BraTS layouts' : 'lesion labels are chosen for label maps (NIfTI, Decathlon/nnU-Net, BraTS)'}; this scan is ${format} data`,
        hint: 'Leave them out for this scan',
      });
    }
    if (scanChannels && scanChannels.length !== run.config.model.inChannels) {
      throw new StudioError({
        code: 'mismatch',
        file: opts.input,
        what: `${scanChannels.length} channel${scanChannels.length === 1 ? '' : 's'} chosen (${scanChannels.join(', ')}), the model of run ${run.id} takes ${run.config.model.inChannels}`,
        hint: `Choose ${run.config.model.inChannels} channels of the scan, in the order the run was trained on${trained?.channels ? ` (${trained.channels.join(', ')})` : ''}`,
      });
    }
    const ds = await openDataset(opts.input, {
      format,
      ...(scanChannels ? { channels: scanChannels } : {}),
      ...(labels ? { labels } : {}),
    });
    // The same data check as training: a scan with NaN/Inf voxels or a blank volume gives masks that mean nothing.
    checkDataIssues(ds, config.acceptDataIssues === true, 'predict');
    warnings.push(...(ds.quality?.issues ?? []).map((i) => `data problem accepted: ${i.file}: ${i.detail}`));
    if (loaded.weights !== 'final') warnings.push(`run ${run.id} did not complete (status ${run.status}); its last checkpoint predicted`);
    const size = run.config.model.inputSize;
    const channels = run.config.model.inChannels;
    const prepared = await prepare(ds, size, channels, opts.signal);
    const totalSlices = prepared.reduce((a, p) => a + p.samples.length, 0);
    const totalSteps = totalSlices * config.levels.length;
    let done = 0;
    let lastEmit = -Infinity;
    const progress = (message: string, force = false) => {
      const now = performance.now();
      if (!force && now - lastEmit < 100) return;
      lastEmit = now;
      const fraction = totalSteps ? done / totalSteps : 1;
      const eta = etaSeconds((now - t0) / 1000, done, totalSteps - done);
      opts.onProgress?.({ step: done, totalSteps, fraction, ...(eta !== undefined ? { etaSeconds: eta } : {}), message });
    };

    const cases: CasePrediction[] = [];
    for (const p of prepared) {
      const source = await scanSource(ds, p.caseId, p.slices[0].source);
      const geometry = source.kind === 'dicom' ? seriesGeometry(source.series) : undefined;
      const { step, from } = stepOf(p, source, geometry);
      const spacing = p.slices[0].spacing ?? null;
      const hasMask = p.slices.every((s) => s.mask);
      const { width, height } = p.slices[0];
      const depth = p.slices.length;
      let truth: Uint8Array | undefined;
      if (hasMask) {
        truth = new Uint8Array(width * height * depth);
        p.slices.forEach((s, k) => truth!.set(s.mask!, k * width * height));
      }
      cases.push({
        info: {
          caseId: p.caseId,
          source: sourceLabel(source),
          width,
          height,
          depth,
          spacing,
          sliceStep: step,
          sliceStepFrom: from,
          voxelMl: spacing && step ? (spacing[0] * spacing[1] * step) / 1000 : null,
          hasMask,
          levels: [],
        },
        source,
        ...(geometry ? { geometry } : {}),
        masks: [],
        ...(truth ? { truth } : {}),
      });
    }

    const original = await readWeights(model);
    const levels: PredictionSummary['levels'] = [];
    for (const sparsity of config.levels) {
      if (opts.signal?.aborted) throw cancelled();
      const { weights, report } = pruneWeights(original, { sparsity, scope: config.scope, keepFirstLast: config.keepFirstLast });
      applyToModel(model, weights);
      // One scorer per level, at this level's weights (onnxruntime where it applies, else tfjs).
      const scorer = await createScorer(model);
      try {
        levels.push({ sparsity, achieved: report.achieved });
        const label = `level ${percent(sparsity, { trim: true })}`;
        progress(label, true);
        for (let ci = 0; ci < prepared.length; ci++) {
          const p = prepared[ci];
          const c = cases[ci];
          const { width: W, height: H, depth: D } = c.info;
          const mask = new Uint8Array(W * H * D);
          for (let start = 0; start < p.samples.length; start += config.batchSize) {
            if (opts.signal?.aborted) throw cancelled();
            const batch = p.samples.slice(start, start + config.batchSize);
            const probs = await predictBatch(scorer, batch, size, channels);
            batch.forEach((_s, i) => {
              const sl = p.slices[start + i];
              const px = probs.subarray(i * size * size, (i + 1) * size * size);
              const full = sl.width === size && sl.height === size ? px : resizeBilinear(px, size, size, 1, sl.width, sl.height);
              const off = (start + i) * W * H;
              for (let j = 0; j < W * H; j++) mask[off + j] = full[j] >= config.threshold ? 1 : 0;
            });
            done += batch.length;
            progress(`${label}, ${c.info.source}`);
          }
          c.masks.push(mask);
        }
      } finally {
        await scorer.dispose();
      }
    }

    for (const c of cases) {
      let first: number | null = null;
      c.masks.forEach((m, li) => {
        let voxels = 0;
        for (const v of m) voxels += v;
        const volumeMl = c.info.voxelMl !== null ? voxels * c.info.voxelMl : null;
        if (li === 0) first = volumeMl;
        const spacing3: [number, number, number] | undefined =
          c.info.spacing && c.info.sliceStep ? [c.info.sliceStep, c.info.spacing[0], c.info.spacing[1]] : undefined;
        const m3 = c.truth ? caseScore(c.info.caseId, m, c.truth, c.info.width, c.info.height, c.info.depth, spacing3) : undefined;
        c.info.levels.push({
          sparsity: config.levels[li],
          voxels,
          volumeMl,
          deltaMl: volumeMl !== null && first !== null ? volumeMl - first : null,
          dice: m3?.dice ?? null,
          iou: m3?.iou ?? null,
          hd95: m3?.hd95Pooled ?? null,
          files: [],
        });
      });
      if (c.info.voxelMl === null) warnings.push(`${c.info.source}: no pixel spacing recorded, so volumes are given in voxels only`);
    }
    progress('done', true);
    const summary: PredictionSummary = {
      version: 1,
      runId: run.id,
      runName: run.config.name,
      input: opts.input,
      format: ds.format,
      config,
      levels,
      ...(ds.choices?.channels ? { channels: ds.choices.channels } : {}),
      ...(ds.choices?.lesionLabels ? { lesionLabels: ds.choices.lesionLabels } : {}),
      modelInput: [size, size, channels],
      backend: backend.name,
      cases: cases.map((c) => c.info),
      warnings,
      seconds: (performance.now() - t0) / 1000,
      createdAt: new Date().toISOString(),
    };
    return { summary, cases };
  } finally {
    model.dispose();
  }
}

/** The scoring module's per-case numbers for one whole volume (Dice/IoU/HD95 null when the true mask is empty). */
function caseScore(
  caseId: string,
  pred: Uint8Array,
  truth: Uint8Array,
  W: number,
  H: number,
  D: number,
  volumeSpacing?: [number, number, number],
) {
  const px = W * H;
  const items = Array.from({ length: D }, (_, k) => ({
    caseId,
    index: k,
    pred: pred.subarray(k * px, (k + 1) * px),
    truth: truth.subarray(k * px, (k + 1) * px),
  }));
  return scoreSegmentation(items, [H, W], volumeSpacing ? { volumeSpacing } : {}).perCase[0];
}

async function predictBatch(scorer: Scorer, batch: Sample[], size: number, channels: number): Promise<Float32Array> {
  const per = size * size * channels;
  const x = new Float32Array(batch.length * per);
  batch.forEach((s, i) => x.set(s.image, i * per));
  return scorer.predict(x, [batch.length, size, size, channels]);
}
