/** Parsing and wording of the Predict view's inputs, apart from React so they are unit-testable. */

/** "0, 90, 95" (percent) -> [0, 0.9, 0.95], or the reason it is not valid. */
export function parseLevels(text: string): number[] | string {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  if (!parts.length) return 'Give at least one level, e.g. 0, 90';
  const out: number[] = [];
  for (const p of parts) {
    const v = Number(p.replace(/%$/, ''));
    if (!Number.isFinite(v) || v < 0 || v >= 100) return `"${p}" is not a level: give percentages from 0 up to (not including) 100`;
    out.push(Math.round(v * 100) / 10000);
  }
  if (out.length > 16) return 'At most 16 levels';
  return [...new Set(out)].sort((a, b) => a - b);
}

export function parseThreshold(text: string): number | string {
  const v = Number(text);
  return text.trim() !== '' && v > 0 && v < 1 ? v : 'The threshold is a probability between 0 and 1, e.g. 0.5';
}

export const ml = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)} mL`);
export const signedMl = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} mL`);
