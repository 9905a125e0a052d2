/**
 * Seeded randomness for everything that must replay exactly (augmentation, CrAM sparsity
 * draws, shuffling): mulberry32, a well-known 32-bit PRNG with a single uint32 of state,
 * so a checkpoint can store and restore it as one number.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal (Box-Muller; uses two draws). */
  normal(): number;
  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[];
  getState(): number;
  setState(state: number): void;
}

/** One mulberry32 step: advances the state and returns [next state, uniform in [0, 1)]. */
function step(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [s, ((t ^ (t >>> 14)) >>> 0) / 4294967296];
}

/** A bare uniform stream seeded as given (no scramble): cheap per-pixel noise for phantoms. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let u: number;
    [s, u] = step(s);
    return u;
  };
}

/** Derives independent seeds for sub-streams (case, slice) from several integers (FNV-style). */
export function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  // splitmix32-style scramble of the seed so nearby seeds give unrelated streams.
  let s = mix32(seed >>> 0);
  const next = () => {
    let u: number;
    [s, u] = step(s);
    return u;
  };
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      const u = 1 - next(); // (0, 1], keeps log finite
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
      return items;
    },
    getState: () => s,
    setState: (state) => {
      s = state >>> 0;
    },
  };
  return rng;
}

/** Derives an independent seed for a sub-stream (e.g. per epoch or per sample) from a base seed. */
export function deriveSeed(seed: number, ...keys: number[]): number {
  let h = mix32(seed >>> 0);
  for (const k of keys) h = mix32((h ^ mix32(k >>> 0)) >>> 0);
  return h;
}

function mix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
