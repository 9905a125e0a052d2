/**
 * The one-line verdict of an exported artifact ("2.70x faster, file 3.9x smaller (gzip 4.1x),
 * 0.010 Dice lower (vs the dense float32 model in onnxruntime-node)"), computed from its own
 * measurements and those of the dense float32 model in the same runtime; never typed in.
 */
import type { Baseline, Verdict } from './schemas';

/** Ratios within 10 % of 1 read as "same": timing noise between interleaved runs on a shared machine is of this order. */
export const SAME_RATIO = 1.1;
/** Dice changes below this read as "same Dice" (the fourth decimal is noise on a few cases). */
export const SAME_DICE = 0.0005;

export interface Measured {
  latencyMs: number;
  /** Quartiles of the timed runs: a speed difference counts only when the middle halves do not overlap. */
  latencyQ25Ms?: number;
  latencyQ75Ms?: number;
  /** Timed runs behind the medians; below MIN_RUNS no speed difference is called. */
  runs?: number;
  fileBytes: number;
  gzipBytes: number;
  /** null: no lesion case, or not scored yet (preview). */
  dice: number | null;
}

const ratio = (base: number, x: number) => (x > 0 ? base / x : 0);

/** Fewer timed runs than this give quartiles too rough to call a speed difference on. */
export const MIN_RUNS = 10;

/** One timing: its quartiles (ms) and how many runs they come from, where known. */
export interface TimingSpread {
  q25Ms?: number;
  q75Ms?: number;
  runs?: number;
}

/**
 * THE rule for calling a speed difference (export verdicts, sweep levels): `r` = baseline /
 * measured median latency; faster/slower only past the noise band AND with the middle halves of
 * the two timings apart, and only from MIN_RUNS timed runs.
 */
export function speedText(r: number, m: TimingSpread, b: TimingSpread): string {
  if (m.runs !== undefined && m.runs < MIN_RUNS) return `speed not called (${r.toFixed(2)}x from only ${m.runs} runs)`;
  const apart = (lo?: number, hi?: number) => lo === undefined || hi === undefined || lo > hi;
  if (r >= SAME_RATIO && apart(b.q25Ms, m.q75Ms)) return `${r.toFixed(2)}x faster`;
  if (r > 0 && r <= 1 / SAME_RATIO && apart(m.q25Ms, b.q75Ms)) return `${(1 / r).toFixed(2)}x slower`;
  return `same speed (${r.toFixed(2)}x, within timing noise)`;
}

const speed = (r: number, m: Measured, b: Baseline) =>
  speedText(r, { q25Ms: m.latencyQ25Ms, q75Ms: m.latencyQ75Ms, runs: m.runs }, { q25Ms: b.latencyQ25Ms, q75Ms: b.latencyQ75Ms });

function size(file: number, gz: number): string {
  const word = (r: number) =>
    r >= SAME_RATIO ? `${r.toFixed(1)}x smaller` : r > 0 && r <= 1 / SAME_RATIO ? `${(1 / r).toFixed(1)}x larger` : 'same size';
  return `file ${word(file)} (gzip ${word(gz)})`;
}

function dice(d: number | null, scored: boolean): string {
  if (d === null) return scored ? 'Dice n/a (no case with a lesion)' : 'Dice not measured yet';
  if (Math.abs(d) < SAME_DICE) return `same Dice (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(4)})`;
  return `${Math.abs(d).toFixed(3)} Dice ${d < 0 ? 'lower' : 'higher'}`;
}

/** `scored`: the artifact's Dice was measured (false in a preview). */
export function computeVerdict(m: Measured, baseline: Baseline, scored = true): Verdict {
  const speedup = ratio(baseline.latencyMs, m.latencyMs);
  const fileRatio = ratio(baseline.fileBytes, m.fileBytes);
  const gzipRatio = ratio(baseline.gzipBytes, m.gzipBytes);
  const deltaDice = m.dice !== null && baseline.dice !== null ? m.dice - baseline.dice : null;
  const line = `${speed(speedup, m, baseline)}, ${size(fileRatio, gzipRatio)}, ${dice(deltaDice, scored)} (vs the dense float32 model in ${baseline.runtime})`;
  return { baseline, speedup, fileRatio, gzipRatio, deltaDice, line };
}
