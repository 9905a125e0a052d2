/** Series colours of the report and the app: per method a muted dashed shade for plain, saturated ones per VAR lambda. */
const METHOD_COLOUR: Record<string, string[]> = {
  // Per method: a dark shade for the first VAR lambda... and a muted one for plain.
  sgd: ['#7f8c9a', '#d9480f', '#f08c00', '#a61e4d'],
  sam: ['#74a0c4', '#1864ab', '#4263eb', '#0b7285'],
  cram: ['#a0a0a0', '#5f3dc4', '#9c36b5', '#2b8a3e'],
  'cram+': ['#b0a090', '#2b8a3e', '#5c940d', '#862e9c'],
};

/** One colour per group: plain runs muted and dashed, VAR runs saturated and solid. */
export function groupStyle(
  groups: { group: string; optimizer: string; varLambda: number }[],
): Map<string, { color: string; dashed: boolean }> {
  const out = new Map<string, { color: string; dashed: boolean }>();
  const lambdaIndex = new Map<string, number>();
  for (const g of groups) {
    const palette = METHOD_COLOUR[g.optimizer] ?? METHOD_COLOUR.sgd;
    if (g.varLambda === 0) {
      out.set(g.group, { color: palette[0], dashed: true });
    } else {
      const i = (lambdaIndex.get(g.optimizer) ?? 0) + 1;
      lambdaIndex.set(g.optimizer, i);
      out.set(g.group, { color: palette[Math.min(i, palette.length - 1)], dashed: false });
    }
  }
  return out;
}

/** The two pruning families in the family comparison (Okabe-Ito blue and vermillion, colour-blind safe): channel dashed. */
export const FAMILY_STYLE: Record<'unstructured' | 'channel', { color: string; dashed: boolean }> = {
  unstructured: { color: '#0072B2', dashed: false },
  channel: { color: '#D55E00', dashed: true },
};
