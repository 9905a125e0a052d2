import type { WeightStats } from '../../shared/run/record';

/** |w| below this counts as "near zero": the quantity VAR is meant to raise. */
export const SMALL_WEIGHT = 1e-3;
/**
 * Fixed histogram range so two runs (SGD vs SGD+VAR) overlay bin for bin. An odd bin count
 * puts one bin centred on 0. Weights outside the range are counted in the end bins and in
 * `clipped`, so counts always add up to the number of weights.
 */
export const HISTOGRAM_RANGE = 0.5;
export const HISTOGRAM_BINS = 101;

export interface NamedWeight {
  name: string;
  values: Float32Array;
}

export function histogramEdges(range = HISTOGRAM_RANGE, bins = HISTOGRAM_BINS): number[] {
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(-range + (2 * range * i) / bins);
  return edges;
}

/** Per-layer and global statistics of the rank>1 weights (the ones psi and pruning see). */
export function weightStats(weights: NamedWeight[], range = HISTOGRAM_RANGE, bins = HISTOGRAM_BINS): WeightStats {
  const counts = new Array<number>(bins).fill(0);
  const scale = bins / (2 * range);
  let gSum = 0;
  let gSq = 0;
  let gSmall = 0;
  let gCount = 0;
  let clipped = 0;
  const perLayer = weights.map(({ name, values }) => {
    // Sums in float64: float32 accumulation over millions of weights drifts visibly.
    let sum = 0;
    let sq = 0;
    let small = 0;
    for (let i = 0; i < values.length; i++) {
      const w = values[i];
      sum += w;
      sq += w * w;
      if (Math.abs(w) < SMALL_WEIGHT) small++;
      let b = Math.floor((w + range) * scale);
      if (b < 0 || b >= bins) {
        clipped++;
        b = b < 0 ? 0 : bins - 1;
      }
      counts[b]++;
    }
    const n = values.length;
    gSum += sum;
    gSq += sq;
    gSmall += small;
    gCount += n;
    const mean = n ? sum / n : 0;
    return {
      name,
      count: n,
      mean,
      std: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0,
      fracBelow1e3: n ? small / n : 0,
    };
  });
  const gMean = gCount ? gSum / gCount : 0;
  return {
    perLayer,
    global: {
      count: gCount,
      mean: gMean,
      std: gCount ? Math.sqrt(Math.max(0, gSq / gCount - gMean * gMean)) : 0,
      fracBelow1e3: gCount ? gSmall / gCount : 0,
      histogram: { edges: histogramEdges(range, bins), counts, clipped },
    },
  };
}
