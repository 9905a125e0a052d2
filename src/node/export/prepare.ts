/** The common first half of an export and its preview: the run's model, pruned as asked. */
import type * as tf from '@tensorflow/tfjs';
import type { Sample } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import { isPrunableShape } from '../../shared/model/weights';
import type { PruneSummary } from '../../shared/export/schemas';
import {
  buildChannelPruned,
  channelPlanSummary,
  planChannelPruning,
  pruneModel,
  readWeights,
  reestimateBatchNorm,
} from '../../shared/prune';
import type { NamedWeight } from '../../shared/prune/types';
import { initBackend, type BackendInfo } from '../compute/backend';
import { chunk, toBatch } from '../train/batches';
import { loadTrainedModel, openRunSource, type RunSource } from './source';

export interface LevelRequest {
  sparsity: number;
  scope: 'global' | 'layerwise';
  keepFirstLast: boolean;
  reestimateBatchNorm: boolean;
  /** Default unstructured. */
  family?: 'unstructured' | 'channel';
  channelCriterion?: 'l1' | 'l2' | 'bn-gamma';
}

export interface Prepared {
  src: RunSource;
  backend: BackendInfo;
  /** The pruned copy (the run's files are never touched); dispose when done. */
  model: tf.LayersModel;
  /** The trained weights before pruning, to score the dense model. */
  original: NamedWeight[];
  /**
   * Channel family: the trained model itself (`model` is the rebuilt smaller network, which
   * cannot take the dense weights back); dispose it too.
   */
  denseModel?: tf.LayersModel;
  prune: PruneSummary;
  parameters: number;
  kernels: { total: number; nonZero: number };
}

export async function kernelCounts(model: tf.LayersModel): Promise<{ total: number; nonZero: number }> {
  let total = 0;
  let nonZero = 0;
  for (const v of model.weights) {
    if (!isPrunableShape(v.shape)) continue;
    const d = await v.read().data();
    total += d.length;
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) nonZero++;
  }
  return { total, nonZero };
}

/**
 * Loads the run's trained model on the run's backend preference (or `backend`) and prunes it in
 * one shot; with `reestimateBatchNorm`, `calibration` samples (the training split) set the BN statistics.
 */
export async function prepareExport(
  runDir: string,
  level: LevelRequest,
  opts: { backend?: BackendInfo; calibration?: (src: RunSource) => Promise<Sample[]> } = {},
): Promise<Prepared> {
  const src = await openRunSource(runDir);
  const backend = opts.backend ?? (await initBackend(src.record.config.backend));
  const trained = await loadTrainedModel(src);
  let model = trained;
  try {
    const original = await readWeights(trained);
    let report: {
      requested: number;
      achieved: number;
      overall: number;
      scope: 'global' | 'layerwise';
      keepFirstLast: boolean;
      threshold?: number;
    };
    let channel: PruneSummary['channel'];
    if (level.family === 'channel') {
      const plan = planChannelPruning(trained, original, { fraction: level.sparsity, criterion: level.channelCriterion ?? 'l1' });
      model = buildChannelPruned(trained, original, plan);
      report = {
        requested: plan.requested,
        achieved: plan.paramsRemoved,
        overall: plan.paramsRemoved,
        scope: level.scope,
        keepFirstLast: false,
      };
      channel = channelPlanSummary(plan);
    } else {
      report = await pruneModel(model, { sparsity: level.sparsity, scope: level.scope, keepFirstLast: level.keepFirstLast }, original);
    }
    if (level.reestimateBatchNorm) {
      const samples = (await opts.calibration?.(src)) ?? [];
      if (!samples.length)
        throw new StudioError({
          code: 'bad-input',
          what: 'BatchNorm re-estimation needs training images and there are none',
          hint: 'Export without BatchNorm re-estimation',
        });
      const { inputSize, inChannels } = src.record.config.model;
      const batches = chunk(
        Array.from({ length: Math.min(samples.length, 256) }, (_, i) => i),
        16,
      ).map(
        (idx) => () =>
          toBatch(
            idx.map((i) => samples[i]),
            inputSize,
            inChannels,
          ),
      );
      await reestimateBatchNorm(
        model,
        (function* () {
          for (const b of batches) {
            const { x, y } = b();
            y.dispose();
            try {
              yield x;
            } finally {
              x.dispose();
            }
          }
        })(),
      );
    }
    const prune: PruneSummary = {
      requested: report.requested,
      achieved: report.achieved,
      overall: report.overall,
      scope: report.scope,
      keepFirstLast: report.keepFirstLast,
      ...(report.threshold !== undefined ? { threshold: report.threshold } : {}),
      batchNormReestimated: level.reestimateBatchNorm,
      family: level.family ?? 'unstructured',
      ...(channel ? { channel } : {}),
    };
    // Of the exported network (the channel family's is smaller than the trained one).
    const parameters = model.weights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
    const kernels = await kernelCounts(model);
    // The ONNX/tfjs writers read weights synchronously; fetching them once here serves those reads
    // from the CPU copy on every backend (webgpu cannot read GPU buffers synchronously in Node).
    await Promise.all(model.weights.map((v) => v.read().data()));
    return { src, backend, model, original, prune, parameters, kernels, ...(model !== trained ? { denseModel: trained } : {}) };
  } catch (e) {
    model.dispose();
    if (model !== trained) trained.dispose();
    throw e;
  }
}
