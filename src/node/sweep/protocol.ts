import type { StudioErrorInfo } from '../../shared/errors';
import type { SweepConfig } from '../../shared/sweep/config';
import type { BackendPreference } from '../compute/backend';

/** Input of src/worker/sweep.worker.ts. */
export interface SweepWorkerData {
  runsRoot: string;
  sweepId: string;
  runIds: string[];
  config: SweepConfig;
  backend?: BackendPreference;
  /** Intra-op threads of onnxruntime (default 1: the machine is shared with training). */
  onnxThreads?: number;
}

/** A ProgressStep (src/shared/progress.ts) with the sweep's position. */
export interface SweepProgress {
  sweepId: string;
  runId: string;
  /** 0-based position of the run and of the level being scored. */
  runIndex: number;
  levelIndex: number;
  sparsity: number;
  /** Levels finished over all runs, and runs x levels. */
  step: number;
  totalSteps: number;
  fraction: number;
  etaSeconds: number;
  message: string;
}

export interface SweepRunOutcome {
  runId: string;
  status: 'completed' | 'cancelled' | 'failed';
  error?: StudioErrorInfo;
}

export interface SweepOutcome {
  sweepId: string;
  /** completed when every run completed; cancelled when cancelled; failed otherwise. */
  status: 'completed' | 'cancelled' | 'failed';
  runs: SweepRunOutcome[];
  error?: StudioErrorInfo;
}
