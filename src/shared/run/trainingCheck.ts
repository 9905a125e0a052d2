/**
 * Failed-training detection. A run whose dense model, on the validation split, scores no better
 * than a model that predicts no lesion anywhere has not learned the task: its pruning curve says
 * nothing about pruning, and averaging it into a comparison would decide the comparison by which
 * seed happened to fail. Such a run is flagged in its record, shown flagged in the Train and Sweep
 * views and the report, and left out of every comparison by name.
 *
 * "Predicting nothing" is scored by the same scoring module (src/shared/metrics/score.ts): under
 * its policy an empty prediction scores per-case Dice 0 on every case with a lesion. A run is
 * flagged when its final validation per-case Dice is at most that baseline plus
 * FAILED_TRAINING_MARGIN (0.05): a model that finds a few lesion pixels by chance is no better.
 */
import { z } from 'zod';

export const FAILED_TRAINING_MARGIN = 0.05;

export const TrainingCheckSchema = z.object({
  /** failed: no better than predicting nothing; learned: better; unknown: no validation case with a lesion to tell. */
  verdict: z.enum(['learned', 'failed', 'unknown']),
  /** The epoch (0-based) whose validation decided it: the last one trained. */
  epoch: z.number().int().nonnegative(),
  /** Dense validation per-case Dice of the model. */
  valCaseDice: z.number().nullable(),
  /** The same score for an all-empty prediction. */
  nothingCaseDice: z.number().nullable(),
  margin: z.number(),
});
export type TrainingCheck = z.infer<typeof TrainingCheckSchema>;

export function checkTraining(
  epoch: number,
  valCaseDice: number | null,
  nothingCaseDice: number | null,
  margin = FAILED_TRAINING_MARGIN,
): TrainingCheck {
  const verdict =
    valCaseDice === null || nothingCaseDice === null ? 'unknown' : valCaseDice <= nothingCaseDice + margin ? 'failed' : 'learned';
  return { verdict, epoch, valCaseDice, nothingCaseDice, margin };
}

/** One sentence for a flagged run, for views and reports. */
export function failedTrainingText(c: TrainingCheck): string {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  return `Failed training: validation per-case Dice ${f(c.valCaseDice)} is no better than predicting no lesion (${f(c.nothingCaseDice)} + ${c.margin})`;
}
