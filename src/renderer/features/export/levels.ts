/** A sparsity typed as a percentage ("90", "97.5 %") -> fraction, or the reason it is not one. */
export function parseLevel(text: string): number | string {
  const t = text.replace('%', '').trim();
  if (!t) return 'Enter a sparsity level in percent';
  const v = Number(t);
  if (!Number.isFinite(v) || v < 0 || v >= 100) return `"${text}" is not a percentage from 0 up to (not including) 100`;
  return Math.round(v * 10) / 1000;
}
