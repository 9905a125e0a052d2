import { StudioError } from '../errors';

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Any non-zero value counts as foreground. */
export function confusionCounts(pred: Uint8Array, truth: Uint8Array): Confusion {
  checkSameSize(pred, truth);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  return { tp, fp, fn, tn: pred.length - tp - fp - fn };
}

/** Dice = 2TP / (2TP + FP + FN); 1 when both masks are empty (nothing to find, nothing found). */
export function diceFromCounts(c: Confusion): number {
  const d = 2 * c.tp + c.fp + c.fn;
  return d === 0 ? 1 : (2 * c.tp) / d;
}

/** IoU = TP / (TP + FP + FN); 1 when both masks are empty. */
export function iouFromCounts(c: Confusion): number {
  const d = c.tp + c.fp + c.fn;
  return d === 0 ? 1 : c.tp / d;
}

export function checkSameSize(a: Uint8Array, b: Uint8Array, dims?: number[]): void {
  if (a.length !== b.length) {
    throw new StudioError({
      code: 'mismatch',
      what: `Predicted mask has ${a.length} pixels but the true mask has ${b.length}`,
      hint: 'Compare masks of the same slice or volume',
    });
  }
  if (dims && dims.reduce((x, y) => x * y, 1) !== a.length) {
    throw new StudioError({
      code: 'mismatch',
      what: `Mask of ${a.length} pixels does not match dims [${dims}]`,
      hint: 'Pass [height, width] (or [depth, height, width]) of the mask',
    });
  }
}

/** Probabilities to a 0/1 mask; `p >= threshold` is foreground. */
export function binarize(probs: ArrayLike<number>, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = probs[i] >= threshold ? 1 : 0;
  return out;
}
