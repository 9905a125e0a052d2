export { startSweep, type SweepHandle, type SweepHostOptions } from './host';
export { runSweep, type SweepJobOptions } from './job';
export { listSweepRecords, readSweepRecord, readSweepImages, sweepPaths, newSweepId } from './files';
export type { SweepOutcome, SweepProgress, SweepRunOutcome } from './protocol';
