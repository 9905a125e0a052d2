export * from './types';
export { pruneWeights, countZeros } from './prune';
export { readWeights, applyToModel, pruneModel } from './model';
export { reestimateBatchNorm, type BatchNormReestimate } from './batchnorm';
export {
  analyzeChannels,
  channelPlanSummary,
  maxChannelFraction,
  planChannelPruning,
  type ChannelCriterion,
  type ChannelTarget,
  type ChannelPruneOptions,
  type ChannelPlan,
  type ChannelLayerPlan,
} from './channel';
export { buildChannelPruned, maskChannels } from './channel-model';
