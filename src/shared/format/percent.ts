/**
 * THE percent formatter: a fraction in [0, 1] as people read it, "50.0 %". Every view, the CLI, the
 * report and the model card print fractions through it; a place only chooses the style.
 */
export interface PercentStyle {
  /** Decimals (default 1). */
  digits?: number;
  /** Drop trailing zeros, "50 %" and "12.5 %" (default false: "50.0 %"). */
  trim?: boolean;
  /** No space before the sign, "50%", for narrow places such as chart ticks (default false: "50 %"). */
  compact?: boolean;
}

export function percent(fraction: number, style: PercentStyle = {}): string {
  const { digits = 1, trim = false, compact = false } = style;
  const scale = 10 ** digits;
  const text = trim ? String(Math.round(fraction * 10 ** (digits + 2)) / scale) : (fraction * 100).toFixed(digits);
  return `${text}${compact ? '%' : ' %'}`;
}
