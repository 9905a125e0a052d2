/**
 * One sweep level as a model to score, for either pruning family (the sweep config's `family`).
 * unstructured: the run's model itself with pruned weights written in (`original` restores it).
 * channel: a new, physically smaller model (the run's model is left as trained); dispose it.
 */
import type * as tf from '@tensorflow/tfjs';
import { prunableWeights, shapeOf } from '../../shared/model/weights';
import {
  applyToModel,
  buildChannelPruned,
  channelPlanSummary,
  planChannelPruning,
  pruneWeights,
  type LayerSparsity,
  type NamedWeight,
} from '../../shared/prune';
import type { SweepConfig } from '../../shared/sweep/config';
import type { PruneLevel } from '../../shared/sweep/result';

export interface PreparedLevel {
  model: tf.LayersModel;
  fields: Pick<PruneLevel, 'achieved' | 'overall' | 'threshold' | 'perLayer' | 'channel'>;
  /** Releases what the level allocated (the channel family's rebuilt model). */
  dispose(): void;
}

const elements = (v: tf.LayerVariable) => shapeOf(v).reduce((a, b) => a * b, 1);

export function prepareLevel(model: tf.LayersModel, original: NamedWeight[], config: SweepConfig, sparsity: number): PreparedLevel {
  if (config.family === 'unstructured') {
    const { weights, report } = pruneWeights(original, { sparsity, scope: config.scope, keepFirstLast: config.keepFirstLast });
    applyToModel(model, weights);
    const fields = {
      achieved: report.achieved,
      overall: report.overall,
      perLayer: report.perLayer,
      ...(report.threshold !== undefined ? { threshold: report.threshold } : {}),
    };
    return { model, fields, dispose() {} };
  }
  const plan = planChannelPruning(model, original, {
    fraction: sparsity,
    target: config.channelTarget,
    criterion: config.channelCriterion,
  });
  const smaller = buildChannelPruned(model, original, plan);
  // The rebuilt graph has the same layers in the same order; a row counts the kernel elements gone.
  const after = new Map(prunableWeights(smaller).map((p) => [p.layerName, elements(p.variable)]));
  const pruned = new Set(plan.layers.filter((l) => l.keep.length < l.channels).map((l) => l.name));
  const perLayer: LayerSparsity[] = prunableWeights(model).map((p) => {
    const total = elements(p.variable);
    const zeros = total - (after.get(p.layerName) ?? total);
    return { name: p.variable.name, total, zeros, sparsity: total ? zeros / total : 0, pruned: pruned.has(p.layerName) || zeros > 0 };
  });
  return {
    model: smaller,
    fields: {
      achieved: plan.target === 'params' ? plan.paramsRemoved : plan.flopsRemoved,
      overall: plan.paramsRemoved,
      perLayer,
      channel: {
        ...channelPlanSummary(plan),
        layers: plan.layers.map((l) => ({ name: l.name, channels: l.channels, kept: l.keep.length })),
      },
    },
    dispose: () => smaller.dispose(),
  };
}
