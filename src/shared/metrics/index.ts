export { confusionCounts, diceFromCounts, iouFromCounts, binarize, type Confusion } from './overlap';
export { caseMetrics, hd95, type CaseMetrics, type DistanceUnit } from './case';
export { aggregate, summarize, type AggregateMetrics, type Summary } from './aggregate';
export { confusionOverlay, OVERLAY } from './overlay';
export { encodeMask, decodeMask } from './encode';
export { boundary, squaredDistanceTransform, percentile } from './surface';
