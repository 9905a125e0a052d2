export {
  bootstrapInterval,
  distinctResamples,
  minBootstrapCases,
  tInterval,
  verdictDiffers,
  verdictOf,
  BOOTSTRAP_RESAMPLES,
  MIN_BOOTSTRAP_CASES,
  VERDICTS,
  type Interval,
  type IntervalMethod,
  type PairedValues,
  type Verdict,
} from './paired';
export { meanInterval, meanIntervalOf, meanIntervalLabel, type MeanInterval, type MeanIntervalOptions, type MeanOver } from './mean';
