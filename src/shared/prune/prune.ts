import { StudioError } from '../errors';
import { globalMagnitudeThreshold } from '../train/topk';
import type { LayerSparsity, NamedWeight, PruneOptions, PruneResult } from './types';
import { isPrunableShape } from '../model/weights';

/**
 * One-shot magnitude pruning on copies (the arrays passed in are never written).
 *
 * Exactness: with N prunable elements, exactly k = round(sparsity * N) of them end up zero
 * (more only if more than k were already exactly zero). Let t be the k-th smallest |w|.
 * Every |w| < t is zeroed; of the elements with |w| == t, the first (k - #below) are zeroed
 * in a fixed order (tensor order as passed, then flat index), the rest keep their value.
 * Layer-wise scope does the same inside each tensor with k_l = round(sparsity * n_l), so the
 * overall fraction can differ from `sparsity` by rounding (at most 0.5 element per tensor).
 *
 * Only rank>1 tensors (conv and dense kernels, the "layers" of the method) are pruned;
 * others are copied unchanged and left out of the report.
 */
export function pruneWeights(weights: NamedWeight[], opts: PruneOptions): PruneResult {
  const { sparsity, scope } = opts;
  const keepFirstLast = opts.keepFirstLast ?? false;
  if (!Number.isFinite(sparsity) || sparsity < 0 || sparsity > 1) {
    throw new StudioError({
      code: 'bad-input',
      what: `Sparsity ${sparsity} is outside [0, 1]`,
      hint: 'Give the fraction of weights to remove, e.g. 0.9 for 90 %',
    });
  }
  if (scope !== 'global' && scope !== 'layerwise') {
    throw new StudioError({ code: 'bad-input', what: `Unknown pruning scope "${String(scope)}"`, hint: 'Use "global" or "layerwise"' });
  }
  for (const w of weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (size !== w.values.length) {
      throw new StudioError({
        code: 'mismatch',
        what: `Weight ${w.name} has ${w.values.length} values but shape [${w.shape}]`,
        hint: 'Pass values and shape of the same tensor',
      });
    }
  }

  const out: NamedWeight[] = weights.map((w) => ({ name: w.name, shape: [...w.shape], values: w.values.slice() }));
  const rankIdx = out.map((w, i) => (isPrunableShape(w.shape) ? i : -1)).filter((i) => i >= 0);
  const prunedIdx = keepFirstLast ? rankIdx.slice(1, -1) : rankIdx;
  const pruned = new Set(prunedIdx);

  let threshold: number | undefined;
  if (scope === 'global') {
    threshold = zeroSmallest(
      prunedIdx.map((i) => out[i].values),
      sparsity,
    );
  } else {
    for (const i of prunedIdx) zeroSmallest([out[i].values], sparsity);
  }

  const perLayer: LayerSparsity[] = rankIdx.map((i) => {
    const w = out[i];
    const zeros = countZeros(w.values);
    return { name: w.name, total: w.values.length, zeros, sparsity: w.values.length ? zeros / w.values.length : 0, pruned: pruned.has(i) };
  });
  const sum = (rows: LayerSparsity[], f: (r: LayerSparsity) => number) => rows.reduce((a, r) => a + f(r), 0);
  const inSet = perLayer.filter((r) => r.pruned);
  const frac = (rows: LayerSparsity[]) => {
    const total = sum(rows, (r) => r.total);
    return total ? sum(rows, (r) => r.zeros) / total : 0;
  };
  return {
    weights: out,
    report: {
      requested: sparsity,
      achieved: frac(inSet),
      overall: frac(perLayer),
      scope,
      keepFirstLast,
      ...(threshold !== undefined ? { threshold } : {}),
      perLayer,
    },
  };
}

/**
 * Zeroes exactly round(sparsity * N) smallest magnitudes across `arrays` in place and returns
 * the tie magnitude. The threshold is the shared `globalMagnitudeThreshold` (k-th smallest |w|);
 * its "zero |w| <= t" convention would overshoot on ties, so ties are rationed here.
 */
function zeroSmallest(arrays: Float32Array[], sparsity: number): number | undefined {
  const n = arrays.reduce((a, x) => a + x.length, 0);
  const k = Math.round(sparsity * n);
  if (k === 0) return undefined;
  const t = globalMagnitudeThreshold(arrays, sparsity);
  let below = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) < t) below++;
  let ties = k - below;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const m = Math.abs(a[i]);
      if (m < t) a[i] = 0;
      else if (m === t && ties > 0) {
        a[i] = 0;
        ties--;
      }
    }
  }
  return t;
}

export function countZeros(a: Float32Array): number {
  let z = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === 0) z++;
  return z;
}
