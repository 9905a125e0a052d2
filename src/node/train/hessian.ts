import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../shared/rng';

/** Gradients of a fixed loss w.r.t. `vars` at their current values (same order). */
export type GradAt = () => Promise<tf.Tensor[]>;

export interface PowerIterationOptions {
  /** Power iterations; the estimate is the Rayleigh quotient of the last one. Default 15. */
  iterations?: number;
  /**
   * Finite-difference step along the unit direction v. Default 1e-3 * max(1, ||w||): large enough
   * that float32 rounding of w + h*v stays small next to h*v, small enough to stay local.
   */
  h?: number;
  seed?: number;
  /** Stop early when the estimate changes by less than this (relative). Default 1e-4. */
  tolerance?: number;
  signal?: AbortSignal;
  /**
   * 'largest' (default): the largest algebraic eigenvalue, the usual sharpness measure. When the
   * dominant eigenvalue is negative (away from a minimum), a second power iteration on
   * H - lambda_dom I finds it. 'magnitude': the dominant eigenvalue only.
   */
  target?: 'largest' | 'magnitude';
}

export interface PowerIterationResult {
  eigenvalue: number;
  /** Largest-magnitude eigenvalue (equals `eigenvalue` unless that one is negative). */
  dominant: number;
  /** Estimate after each iteration, so convergence can be judged. */
  history: number[];
  iterations: number;
  h: number;
}

/** Reads a scalar and frees it (asynchronously: a GPU backend cannot read synchronously). */
async function scalarValue(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

function sumSquares(ts: tf.Tensor[]): Promise<number> {
  return scalarValue(tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.square(t))))));
}

function dot(a: tf.Tensor[], b: tf.Tensor[]): Promise<number> {
  return scalarValue(tf.tidy(() => tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i]))))));
}

/**
 * Top (largest magnitude) Hessian eigenvalue by power iteration, with Hessian-vector products
 * from central differences of gradients: Hv ~ (g(w + h v) - g(w - h v)) / 2h. Only gradients are
 * needed, so it works with any GradientFn-style code and never forms the Hessian. The variables
 * are restored exactly (from a copy) before returning, also on error or abort.
 */
export async function topHessianEigenvalue(
  vars: tf.Variable[],
  gradAt: GradAt,
  opts: PowerIterationOptions = {},
): Promise<PowerIterationResult> {
  const first = await powerIterate(vars, gradAt, opts, 0);
  if ((opts.target ?? 'largest') === 'magnitude' || first.eigenvalue >= 0 || opts.signal?.aborted) {
    return { ...first, dominant: first.eigenvalue };
  }
  // Eigenvalues of H - mu I with mu = dominant (< 0) are all >= 0; the top one is lambda_max - mu.
  const mu = first.eigenvalue;
  const second = await powerIterate(vars, gradAt, { ...opts, seed: (opts.seed ?? 1) + 1 }, mu);
  return {
    eigenvalue: second.eigenvalue + mu,
    dominant: mu,
    history: [...first.history, ...second.history.map((v) => v + mu)],
    iterations: first.iterations + second.iterations,
    h: first.h,
  };
}

async function powerIterate(
  vars: tf.Variable[],
  gradAt: GradAt,
  opts: PowerIterationOptions,
  shift: number,
): Promise<Omit<PowerIterationResult, 'dominant'>> {
  const iterations = opts.iterations ?? 15;
  const tolerance = opts.tolerance ?? 1e-4;
  const rng = mulberry32(opts.seed ?? 1);
  const w0 = vars.map((v) => v.clone());
  const wNorm = Math.sqrt(await sumSquares(w0));
  const h = opts.h ?? 1e-3 * Math.max(1, wNorm);

  // Box-Muller from the seeded stream: tf.randomNormal's seed differs by backend.
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  let v: tf.Tensor[] = vars.map((x) => {
    const data = new Float32Array(x.size);
    for (let i = 0; i < data.length; i++) data[i] = gauss();
    return tf.tensor(data, x.shape, 'float32');
  });
  const normalise = async (ts: tf.Tensor[]) => {
    const n = Math.sqrt(await sumSquares(ts)) || 1;
    const out = ts.map((t) => tf.div(t, n));
    ts.forEach((t) => t.dispose());
    return out;
  };
  v = await normalise(v);

  const gradAtOffset = async (sign: 1 | -1): Promise<tf.Tensor[]> => {
    vars.forEach((x, i) => {
      // assign() shares the data; the temporary handle must still be released.
      const shifted = tf.tidy(() => tf.add(w0[i], tf.mul(v[i], sign * h)));
      x.assign(shifted);
      shifted.dispose();
    });
    return gradAt();
  };

  const history: number[] = [];
  let eigenvalue = 0;
  try {
    for (let it = 0; it < iterations; it++) {
      if (opts.signal?.aborted) break;
      const gPlus = await gradAtOffset(1);
      const gMinus = await gradAtOffset(-1);
      const hv = gPlus.map((g, i) => tf.tidy(() => tf.sub(tf.div(tf.sub(g, gMinus[i]), 2 * h), tf.mul(v[i], shift))));
      gPlus.forEach((t) => t.dispose());
      gMinus.forEach((t) => t.dispose());
      // Rayleigh quotient with unit v: sign-correct even when the top eigenvalue is negative.
      const next = await dot(v, hv);
      history.push(next);
      v.forEach((t) => t.dispose());
      v = await normalise(hv);
      const converged = it > 0 && Math.abs(next - eigenvalue) <= tolerance * Math.abs(next);
      eigenvalue = next;
      if (converged) break;
    }
  } finally {
    vars.forEach((x, i) => x.assign(w0[i]));
    w0.forEach((t) => t.dispose());
    v.forEach((t) => t.dispose());
  }
  return { eigenvalue, history, iterations: history.length, h };
}
