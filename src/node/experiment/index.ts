export { runExperiment, chooseOut, DEFAULT_OUT_PARENT, type ExperimentOptions, type ExperimentOutcome } from './run';
export { experimentPaths, ensurePlan, requirePlan, readPlan, readCell, type ExperimentPaths } from './state';
export { runCell, findCell } from './cell';
export { collectExperiment, type CollectOutcome } from './collect';
export { autoJobs } from './local';
export type { ExperimentEvent, ExperimentListener } from './events';
