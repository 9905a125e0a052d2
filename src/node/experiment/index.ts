export { runExperiment, DEFAULT_OUT_PARENT, type ExperimentOptions, type ExperimentOutcome } from './run';
export { experimentPaths, readState, type ExperimentPaths, type ExperimentState } from './state';
export type { ExperimentEvent, ExperimentListener } from './events';
