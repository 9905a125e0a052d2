/**
 * THE scoring module: every Dice the studio shows (sweep, export check, training validation,
 * experiment results, report, CLI, views) is computed here, by one policy.
 *
 * Headline: per-case Dice. A case is one patient volume: its scored slices stacked in slice
 * order. The case's Dice is 2|P∩T| / (|P| + |T|) over all its voxels together, and the headline
 * is the mean of that over cases, as nnU-Net and BraTS report it. A per-slice mean would let
 * every empty slice predicted empty count as a perfect 1.
 *
 * Policy for an empty true mask (one policy, applied to slices and cases alike): Dice, IoU and
 * HD95 are undefined (null) there, because there is no lesion to overlap, and such slices or
 * cases do not enter any Dice, IoU or HD95 statistic. What a model does on them is reported as
 * the false-positive rate: the fraction of lesion-free slices (and of lesion-free cases) with at
 * least one predicted pixel. A lesion with nothing predicted scores Dice 0, IoU 0 and has no
 * HD95 (counted in `hd95Missing`).
 *
 * Secondary numbers, each named for what it is:
 * - `lesionSliceDice`: per-slice Dice averaged over the slices whose true mask is not empty;
 * - `caseIoU`: per-case IoU (Jaccard) averaged like the headline;
 * - `falsePositiveEmptySlices`, `falsePositiveEmptyCases`: the rates above;
 * - `hd95Pooled` (MedPy's `hd95`): the 95th percentile of the surface distances of both
 *   directions pooled together; `hd95MaxDirected` (MONAI's `compute_hausdorff_distance` with
 *   percentile 95): the larger of the two directed 95th percentiles. Both per case on the
 *   stacked volume, in voxel steps unless a 3-D spacing in mm is given. Percentiles interpolate
 *   linearly between order statistics (numpy's default).
 * Hard masks: a probability p >= threshold (0.5 by default) is foreground.
 */
import { StudioError } from '../errors';
import { summarize } from './aggregate';
import { binarize, checkSameSize, confusionCounts, diceFromCounts, iouFromCounts } from './overlap';
import { boundary, directedSurfaceDistances, percentile, squaredDistanceTransform } from './surface';
import type { CaseScore, FalsePositiveRate, ScoreSummary, SliceScore } from './schemas';

/** One slice to score: its case, its position in the case, and the two hard masks (H x W). */
export interface ScoreItem {
  caseId: string;
  index: number;
  pred: Uint8Array;
  truth: Uint8Array;
  /** [row, col] mm per pixel when known: slice HD95 is then in mm. */
  spacing?: [number, number];
}

export interface ScoreOptions {
  /** [slice, row, col] mm per voxel of the stacked cases; without it case HD95 is in voxel steps. */
  volumeSpacing?: [number, number, number];
}

export interface Scoring {
  /** In input order. */
  perSlice: SliceScore[];
  /** In order of first appearance. */
  perCase: CaseScore[];
  summary: ScoreSummary;
}

/** Scores hard masks of `dims` = [H, W] per slice. */
export function scoreSegmentation(items: ScoreItem[], dims: [number, number], opts: ScoreOptions = {}): Scoring {
  const px = dims[0] * dims[1];
  for (const it of items) {
    checkSameSize(it.pred, it.truth, dims);
    if (it.pred.length !== px)
      throw new StudioError({
        code: 'mismatch',
        what: `Slice ${it.caseId}/${it.index} has ${it.pred.length} pixels, not ${dims.join('x')}`,
        hint: 'Score slices of one size together',
      });
  }
  const perSlice = items.map((it) => scoreSlice(it, dims));
  const byCase = new Map<string, number[]>();
  items.forEach((it, i) => byCase.set(it.caseId, [...(byCase.get(it.caseId) ?? []), i]));
  const perCase = [...byCase.entries()].map(([caseId, idx]) =>
    scoreCase(
      caseId,
      idx.map((i) => items[i]).sort((a, b) => a.index - b.index),
      dims,
      opts,
    ),
  );
  return { perSlice, perCase, summary: summarizeScores(perSlice, perCase, opts.volumeSpacing ? 'mm' : 'px') };
}

/** Probabilities (N x H x W, in item order) to hard masks at `threshold`, then `scoreSegmentation`. */
export function scoreProbabilities(
  probs: Float32Array,
  slices: { caseId: string; index: number; mask: Uint8Array; spacing?: [number, number] }[],
  size: number,
  threshold = 0.5,
  opts: ScoreOptions = {},
): Scoring & { preds: Uint8Array[] } {
  const px = size * size;
  if (probs.length !== slices.length * px) {
    throw new StudioError({
      code: 'mismatch',
      what: `${probs.length} probabilities for ${slices.length} slices of ${size}x${size}`,
      hint: 'Pass one probability per pixel of every slice',
    });
  }
  const preds = slices.map((_, i) => binarize(probs.subarray(i * px, (i + 1) * px), threshold));
  const scoring = scoreSegmentation(
    slices.map((s, i) => ({
      caseId: s.caseId,
      index: s.index,
      pred: preds[i],
      truth: s.mask,
      ...(s.spacing ? { spacing: s.spacing } : {}),
    })),
    [size, size],
    opts,
  );
  return { ...scoring, preds };
}

function scoreSlice(it: ScoreItem, dims: [number, number]): SliceScore {
  const c = confusionCounts(it.pred, it.truth);
  const lesion = c.tp + c.fn > 0;
  const predicted = c.tp + c.fp > 0;
  return {
    caseId: it.caseId,
    index: it.index,
    lesion,
    dice: lesion ? diceFromCounts(c) : null,
    iou: lesion ? iouFromCounts(c) : null,
    hd95: lesion && predicted ? surfaceHd95(it.pred, it.truth, dims, it.spacing ?? [1, 1]).pooled : null,
    fpPixels: c.fp,
  };
}

function scoreCase(caseId: string, slices: ScoreItem[], dims: [number, number], opts: ScoreOptions): CaseScore {
  const px = dims[0] * dims[1];
  const pred = new Uint8Array(slices.length * px);
  const truth = new Uint8Array(slices.length * px);
  slices.forEach((s, k) => {
    pred.set(s.pred, k * px);
    truth.set(s.truth, k * px);
  });
  const c = confusionCounts(pred, truth);
  const lesion = c.tp + c.fn > 0;
  const predicted = c.tp + c.fp > 0;
  const hd = lesion && predicted ? surfaceHd95(pred, truth, [slices.length, dims[0], dims[1]], opts.volumeSpacing ?? [1, 1, 1]) : null;
  return {
    caseId,
    slices: slices.length,
    lesion,
    dice: lesion ? diceFromCounts(c) : null,
    iou: lesion ? iouFromCounts(c) : null,
    hd95Pooled: hd?.pooled ?? null,
    hd95MaxDirected: hd?.maxDirected ?? null,
    truePixels: c.tp + c.fn,
    predPixels: c.tp + c.fp,
    fpPixels: c.fp,
  };
}

/** Both HD95 definitions from one pair of distance transforms (both masks non-empty). */
export function surfaceHd95(
  pred: Uint8Array,
  truth: Uint8Array,
  dims: number[],
  spacing: number[],
): { pooled: number; maxDirected: number } {
  const pe = boundary(pred, dims);
  const te = boundary(truth, dims);
  const predToTruth = directedSurfaceDistances(pe, squaredDistanceTransform(te, dims, spacing));
  const truthToPred = directedSurfaceDistances(te, squaredDistanceTransform(pe, dims, spacing));
  return {
    pooled: percentile(predToTruth.concat(truthToPred), 95),
    maxDirected: Math.max(percentile(predToTruth, 95), percentile(truthToPred, 95)),
  };
}

const rate = (items: { lesion: boolean; fpPixels: number }[]): FalsePositiveRate => {
  const empty = items.filter((x) => !x.lesion);
  const withPrediction = empty.filter((x) => x.fpPixels > 0).length;
  return { n: empty.length, withPrediction, rate: empty.length ? withPrediction / empty.length : null };
};
const defined = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);

/** The summary of already scored slices and cases (also how an old record is re-summarised). */
export function summarizeScores(perSlice: SliceScore[], perCase: CaseScore[], hd95Unit: 'mm' | 'px'): ScoreSummary {
  const lesionCases = perCase.filter((c) => c.lesion);
  return {
    cases: perCase.length,
    slices: perSlice.length,
    lesionCases: lesionCases.length,
    lesionSlices: perSlice.filter((s) => s.lesion).length,
    caseDice: summarize(defined(lesionCases.map((c) => c.dice))),
    caseIoU: summarize(defined(lesionCases.map((c) => c.iou))),
    lesionSliceDice: summarize(defined(perSlice.map((s) => s.dice))),
    falsePositiveEmptySlices: rate(perSlice),
    falsePositiveEmptyCases: rate(perCase),
    hd95Pooled: summarize(defined(lesionCases.map((c) => c.hd95Pooled))),
    hd95MaxDirected: summarize(defined(lesionCases.map((c) => c.hd95MaxDirected))),
    hd95Missing: lesionCases.filter((c) => c.predPixels === 0).length,
    hd95Unit,
  };
}

/** The headline of a summary: mean per-case Dice (null without a lesion case). */
export const headlineDice = (s: ScoreSummary): number | null => s.caseDice.mean;
