export interface Summary {
  /** Values that entered the statistics. */
  n: number;
  mean: number | null;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: number | null;
  median: number | null;
}

export function summarize(values: number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: null, std: null, median: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const s = Float64Array.from(values).sort();
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { n, mean, std, median };
}
