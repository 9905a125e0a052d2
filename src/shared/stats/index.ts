export { bootstrapInterval, tInterval, verdictOf, BOOTSTRAP_RESAMPLES, type Interval, type IntervalMethod, type Verdict } from './paired';
export { meanInterval, meanIntervalOf, meanIntervalLabel, type MeanInterval, type MeanIntervalOptions, type MeanOver } from './mean';
