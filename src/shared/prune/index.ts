export * from './types';
export { pruneWeights, countZeros } from './prune';
export { readWeights, applyToModel, pruneModel } from './model';
export { reestimateBatchNorm, type BatchNormReestimate } from './batchnorm';
