/**
 * Index arithmetic that turns the input gradient of a strided convolution into ONE stride-1
 * forward convolution over dy (sub-pixel / phase decomposition), along one spatial axis.
 *
 * Forward: y[o] = sum_i x[o*s + i - pad] f[i]. Split the input rows by phase h = s*A + P.
 * Row h receives taps i = r_P + s*m (r_P = (P + pad) mod s) from dy[A + q_P - m]
 * (q_P = floor((P + pad) / s)). Aligning all phases on one tap axis t = padBefore + q_P - m
 * gives out[A, P] = sum_t dyPadded[A + t] g[t, P]: a stride-1 conv whose output channels are the
 * s phases, interleaved back afterwards. Compared with inserting s-1 zeros between dy rows, this
 * does no multiplications by structural zeros beyond rounding the tap count up per phase.
 */
export interface PhaseAxis {
  stride: number;
  /** Taps of the phase filter along this axis. */
  taps: number;
  /** Zero rows to add before/after dy for the stride-1 conv. */
  padBefore: number;
  padAfter: number;
  /** Rows of the phase conv's output (each expands to `stride` input rows). */
  outRows: number;
  /** For phase P and tap t, the original filter index i, or -1 where the phase has no tap. */
  tapIndex: (phase: number, t: number) => number;
}

/**
 * @param k filter size, s stride, pad padding before the first row, inSize input rows (H),
 *   outSize forward output rows (Ho). Returns undefined for geometry it cannot express
 *   (padding so large that no tap is reachable), which callers hand to a general kernel.
 */
export function phaseAxis(k: number, s: number, pad: number, inSize: number, outSize: number): PhaseAxis | undefined {
  const r: number[] = [];
  const q: number[] = [];
  const count: number[] = [];
  for (let p = 0; p < s; p++) {
    r.push((p + pad) % s);
    q.push(Math.floor((p + pad) / s));
    count.push(r[p] < k ? Math.floor((k - 1 - r[p]) / s) + 1 : 0);
  }
  let padBefore = -Infinity;
  for (let p = 0; p < s; p++) if (count[p] > 0) padBefore = Math.max(padBefore, count[p] - 1 - q[p]);
  if (!Number.isFinite(padBefore) || padBefore < 0) return undefined;
  let taps = 0;
  for (let p = 0; p < s; p++) if (count[p] > 0) taps = Math.max(taps, padBefore + q[p] + 1);
  const needRows = Math.ceil(inSize / s);
  // out rows = outSize + padBefore + padAfter - taps + 1; pick padAfter for needRows, never negative.
  const padAfter = Math.max(0, needRows - outSize - padBefore + taps - 1);
  const outRows = outSize + padBefore + padAfter - taps + 1;
  if (outRows < needRows) return undefined;
  const tapIndex = (phase: number, t: number): number => {
    const m = padBefore + q[phase] - t;
    return m >= 0 && m < count[phase] ? r[phase] + s * m : -1;
  };
  return { stride: s, taps, padBefore, padAfter, outRows, tapIndex };
}

/** Output size of a forward conv along one axis, as tfjs computes it for explicit padding. */
export function convOutSize(inSize: number, k: number, stride: number, dilation: number, padBefore: number, padAfter: number): number {
  const effective = (k - 1) * dilation + 1;
  return Math.floor((inSize + padBefore + padAfter - effective) / stride) + 1;
}
