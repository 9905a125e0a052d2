/** Pure helpers of the Sweep view: which sweep to show per run, chart series, formatting. */
import type { CallOutput } from '../../../shared/api/contract';
import type { SweepRecord, SweepSummary } from '../../../shared/sweep/result';
import { methodLabel } from '../../../shared/train/optimizerConfig';

export type SweepList = CallOutput<'sweep.list'>;
export type SweepableRun = SweepList['runs'][number];

export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)} %`);
export const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '–' : x.toFixed(digits));

/** The sweep a run shows by default: its newest one with at least one scored level. */
export function defaultSweep(run: SweepableRun): SweepSummary | undefined {
  return run.sweeps.find((s) => s.status === 'completed') ?? run.sweeps.find((s) => s.levels.length > 0);
}


export interface ChartSeries {
  label: string;
  runId: string;
  method: string;
  /** Mean per-case Dice per x (null where the run has no such level); std over cases. */
  dice: (number | null)[];
  std: (number | null)[];
}

export interface ChartData {
  /** Sparsity levels in percent, ascending, the union over runs. */
  x: number[];
  series: ChartSeries[];
  /** One band per method: min-max over its runs when it has several, else mean ± 1 std. */
  bands: { method: string; lo: (number | null)[]; hi: (number | null)[]; kind: 'min-max' | 'std' }[];
}

export function chartData(entries: { run: SweepableRun; record: SweepRecord }[]): ChartData {
  const xs = [...new Set(entries.flatMap((e) => e.record.levels.map((l) => l.sparsity)))].sort((a, b) => a - b);
  const series: ChartSeries[] = entries.map(({ run, record }) => {
    const at = new Map(record.levels.map((l) => [l.sparsity, l] as const));
    return {
      label: `${run.name} · ${methodLabel(run.method, run.varLambda)}`,
      runId: run.runId,
      // Runs with the same label are seeds of one method.
      method: methodLabel(run.method, run.varLambda),
      dice: xs.map((x) => at.get(x)?.summary.caseDice.mean ?? null),
      std: xs.map((x) => at.get(x)?.summary.caseDice.std ?? null),
    };
  });
  const methods = [...new Set(series.map((s) => s.method))];
  const bands = methods.map((method) => {
    const group = series.filter((s) => s.method === method);
    if (group.length > 1) {
      const vals = (i: number) => group.map((g) => g.dice[i]).filter((v): v is number => v !== null);
      return {
        method,
        kind: 'min-max' as const,
        lo: xs.map((_, i) => (vals(i).length ? Math.min(...vals(i)) : null)),
        hi: xs.map((_, i) => (vals(i).length ? Math.max(...vals(i)) : null)),
      };
    }
    const g = group[0];
    const clamp = (v: number) => Math.max(0, Math.min(1, v));
    return {
      method,
      kind: 'std' as const,
      lo: g.dice.map((d, i) => (d === null ? null : clamp(d - (g.std[i] ?? 0)))),
      hi: g.dice.map((d, i) => (d === null ? null : clamp(d + (g.std[i] ?? 0)))),
    };
  });
  return { x: xs.map((x) => x * 100), series, bands };
}

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
export const LINE_COLOURS = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#F0E442', '#0072B2', '#D55E00', '#999999'];
