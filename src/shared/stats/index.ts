export { bootstrapInterval, tInterval, verdictOf, BOOTSTRAP_RESAMPLES, type Interval, type IntervalMethod, type Verdict } from './paired';
