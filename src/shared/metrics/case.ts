import { StudioError } from '../errors';
import { checkSameSize, confusionCounts, diceFromCounts, iouFromCounts } from './overlap';
import { boundary, directedSurfaceDistances, percentile, squaredDistanceTransform } from './surface';

export type DistanceUnit = 'mm' | 'px';

/**
 * Metrics of one case (a 2-D slice [H, W] or a 3-D volume [D, H, W]).
 *
 * Policy for empty masks (truth = T, prediction = P):
 * - T empty, P empty: dice 1, iou 1, hd95 0 (a perfect answer), `emptyTruth` true.
 * - T empty, P not empty: dice 0, iou 0, hd95 null (no true surface to measure from);
 *   the false-positive area is in `fpPixels` (and `fpArea` in mm² / mm³ when spacing is known).
 * - T not empty, P empty: dice 0, iou 0, hd95 null (no predicted surface; "infinitely far").
 * null (not Infinity) so the record survives JSON; `aggregate` leaves null out of the HD95
 * statistics and counts it in `hd95Missing`, while dice/iou always count.
 *
 * HD95: the 95th percentile (linear interpolation, as numpy) of the pooled symmetric surface
 * distances, i.e. the distances from every boundary voxel of P to the nearest boundary voxel
 * of T together with those from T to P (MedPy's `hd95` definition). Boundary voxels are
 * foreground voxels with a background (or outside) face neighbour. Units: mm when `spacing`
 * (mm per step along each axis, e.g. [row, col]) is given, else pixels.
 */
export interface CaseMetrics {
  dice: number;
  iou: number;
  hd95: number | null;
  unit: DistanceUnit;
  truePixels: number;
  predPixels: number;
  emptyTruth: boolean;
  /** Predicted pixels outside the true mask. */
  fpPixels: number;
  /** fpPixels times the pixel area (or voxel volume) when spacing is known. */
  fpArea?: number;
}

export function caseMetrics(pred: Uint8Array, truth: Uint8Array, dims: number[], spacing?: number[]): CaseMetrics {
  checkSameSize(pred, truth, dims);
  if (spacing && (spacing.length !== dims.length || spacing.some((s) => !(s > 0) || !Number.isFinite(s)))) {
    throw new StudioError({ code: 'bad-input', what: `Spacing [${spacing}] does not fit a mask of dims [${dims}]`, hint: 'Give one positive spacing in mm per axis, e.g. [row, col]' });
  }
  const c = confusionCounts(pred, truth);
  const truePixels = c.tp + c.fn;
  const predPixels = c.tp + c.fp;
  const base = {
    dice: diceFromCounts(c),
    iou: iouFromCounts(c),
    unit: (spacing ? 'mm' : 'px') as DistanceUnit,
    truePixels,
    predPixels,
    emptyTruth: truePixels === 0,
    fpPixels: c.fp,
    ...(spacing ? { fpArea: c.fp * spacing.reduce((a, b) => a * b, 1) } : {}),
  };
  if (truePixels === 0 && predPixels === 0) return { ...base, hd95: 0 };
  if (truePixels === 0 || predPixels === 0) return { ...base, hd95: null };
  return { ...base, hd95: hd95(pred, truth, dims, spacing) };
}

/** HD95 of two non-empty masks (see CaseMetrics for the definition). */
export function hd95(pred: Uint8Array, truth: Uint8Array, dims: number[], spacing?: number[]): number {
  const sp = spacing ?? dims.map(() => 1);
  const pe = boundary(pred, dims);
  const te = boundary(truth, dims);
  const toTruth = squaredDistanceTransform(te, dims, sp);
  const toPred = squaredDistanceTransform(pe, dims, sp);
  const d = directedSurfaceDistances(pe, toTruth).concat(directedSurfaceDistances(te, toPred));
  return percentile(d, 95);
}
