/**
 * The activation-range rule of the static int8 exports (ONNX int8-qdq, TFLite int8-full), in one
 * place: which training slices are seen and how each tensor's range follows from its values.
 * Each writer supplies a `pass` that runs its own float32 graph over the slices and reports the
 * values of the tensors it will quantize; the rule does not depend on the runtime.
 *
 * Defaults (those of onnxruntime's `quantize_static` unless noted):
 * - 32 training slices, evenly spaced over the training split (all when fewer);
 * - `minmax`: each tensor's range is the min and max seen over those slices; `percentile` clips it
 *   to the 0.01 / 99.99 percentiles instead (histogram of 2048 bins over the min/max, second pass).
 */
import { StudioError } from '../../shared/errors';

export interface Range {
  min: number;
  max: number;
}

export interface CalibrationOptions {
  /** Calibration slices used (default 32). */
  slices?: number;
  /** Range rule (default 'minmax'). */
  method?: 'minmax' | 'percentile';
  /** Upper percentile for 'percentile' (default 99.99; the lower one is 100 minus it). */
  percentile?: number;
}

export const CALIBRATION_DEFAULTS = { slices: 32, method: 'minmax', percentile: 99.99 } as const;

/** Runs the float graph once over the calibration slices, calling `visit` with each named tensor's values (any batching). */
export type CalibrationPass = (visit: (name: string, values: Float32Array) => void) => Promise<void>;

/** `n` items evenly spaced over `items` (all of them when there are fewer), deterministic. */
export function evenlySpaced<T>(items: T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}

/** The options with their defaults filled in, and the slices picked from `images` (the whole training split). */
export function calibrationPlan(
  images: Float32Array[],
  opts: CalibrationOptions,
  precision: string,
): { picked: Float32Array[]; method: 'minmax' | 'percentile'; percentile: number } {
  if (!images.length)
    throw new StudioError({
      code: 'bad-input',
      what: `${precision} needs training images to calibrate the activation ranges, and the run has none`,
      hint: 'Export int8-weights instead, or train with a training split',
    });
  const slices = Math.max(1, opts.slices ?? CALIBRATION_DEFAULTS.slices);
  return {
    picked: evenlySpaced(images, slices),
    method: opts.method ?? CALIBRATION_DEFAULTS.method,
    percentile: opts.percentile ?? CALIBRATION_DEFAULTS.percentile,
  };
}

/** The range of each of `names` under the rule (`pass` is called once for minmax, twice for percentile). */
export async function calibrateRanges(
  names: string[],
  pass: CalibrationPass,
  method: 'minmax' | 'percentile',
  percentile: number,
): Promise<Map<string, Range>> {
  const ranges = new Map<string, Range>(names.map((n) => [n, { min: Infinity, max: -Infinity }]));
  await pass((n, v) => {
    const r = ranges.get(n);
    if (!r) return;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < r.min) r.min = v[i];
      if (v[i] > r.max) r.max = v[i];
    }
  });
  if (method === 'minmax') return ranges;
  const BINS = 2048;
  const hist = new Map(names.map((n) => [n, { counts: new Float64Array(BINS), total: 0 }]));
  await pass((n, v) => {
    const r = ranges.get(n);
    const h = hist.get(n);
    if (!r || !h) return;
    const w = (r.max - r.min) / BINS || 1;
    for (let i = 0; i < v.length; i++) h.counts[Math.min(BINS - 1, Math.max(0, Math.floor((v[i] - r.min) / w)))]++;
    h.total += v.length;
  });
  const clipped = new Map<string, Range>();
  for (const n of names) {
    const r = ranges.get(n) as Range;
    const h = hist.get(n) as { counts: Float64Array; total: number };
    const w = (r.max - r.min) / BINS || 1;
    const lowCount = (h.total * (100 - percentile)) / 100;
    let acc = 0;
    let lo = 0;
    while (lo < BINS - 1 && acc + h.counts[lo] <= lowCount) acc += h.counts[lo++];
    acc = 0;
    let hi = BINS - 1;
    while (hi > 0 && acc + h.counts[hi] <= lowCount) acc += h.counts[hi--];
    clipped.set(n, { min: r.min + lo * w, max: r.min + (hi + 1) * w });
  }
  return clipped;
}
