import { etaSeconds, type IProgress } from '../../shared/progress';
import type { TrainProgress } from '../../shared/run/events';

/** At most this many progress events per second; the last step of an epoch always goes out. */
export const PROGRESS_MIN_INTERVAL_MS = 100;

/**
 * Turns step timings into progress events: throughput over the current session (resumes
 * restart the clock, so a long pause does not poison the ETA) and a rate limit.
 */
export class ProgressMeter {
  private readonly t0 = performance.now();
  private stepsDone = 0;
  private imagesDone = 0;
  private lastEmit = -Infinity;

  constructor(
    private readonly runId: string,
    private readonly totalSteps: number,
    private readonly progress: IProgress<TrainProgress> | undefined,
  ) {}

  step(info: { epoch: number; step: number; images: number; loss: number; lr: number; force?: boolean }): void {
    this.stepsDone++;
    this.imagesDone += info.images;
    if (!this.progress) return;
    const now = performance.now();
    if (!info.force && now - this.lastEmit < PROGRESS_MIN_INTERVAL_MS) return;
    this.lastEmit = now;
    const elapsed = (now - this.t0) / 1000;
    this.progress.report({
      runId: this.runId,
      epoch: info.epoch,
      step: info.step,
      totalSteps: this.totalSteps,
      fraction: this.totalSteps ? Math.min(1, info.step / this.totalSteps) : 1,
      loss: info.loss,
      lr: info.lr,
      imagesPerSec: elapsed > 0 ? this.imagesDone / elapsed : 0,
      etaSeconds: etaSeconds(elapsed, this.stepsDone, this.totalSteps - info.step) ?? 0,
    });
  }
}
