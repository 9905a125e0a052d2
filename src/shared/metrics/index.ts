export { confusionCounts, diceFromCounts, iouFromCounts, binarize, type Confusion } from './overlap';
export {
  scoreSegmentation,
  scoreProbabilities,
  summarizeScores,
  surfaceHd95,
  headlineDice,
  type ScoreItem,
  type ScoreOptions,
  type Scoring,
} from './score';
export * from './schemas';
export { summarize, type Summary } from './aggregate';
export { confusionOverlay, OVERLAY } from './overlay';
export { encodeMask, decodeMask } from './encode';
export { boundary, squaredDistanceTransform, percentile } from './surface';
