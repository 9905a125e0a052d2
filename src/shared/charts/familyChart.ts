/**
 * Both pruning families of one run side by side: per-case Dice of each family's sweep against a
 * chosen x: the level (evenly spaced, as in the Dice-versus-sparsity chart), or what the device
 * gets at that level as the sweep measured it (src/node/sweep/measure.ts): onnxruntime-node
 * latency, the speed-up over the dense model timed in the same rounds, the fp32 ONNX file or its
 * gzip. Drawn by `lineChart` like every studio chart; each marker carries its level as a tag and
 * everything known about it as hover text. A family without a sweep, or a sweep without the
 * chosen measurement, gets a note saying so and how to get it.
 */
import { meanIntervalLabel, meanIntervalOf } from '../stats/mean';
import { pruneFamilies, SWEEP_MEASURE_LABELS, type PruneFamily } from '../sweep/config';
import { describeLevel, familyLabel, levelAxisTitle } from '../sweep/levels';
import { measuredText } from '../sweep/measuredText';
import type { PruneLevel, SweepRecord } from '../sweep/result';
import { levelLabel } from './sweepChart';
import { FAMILY_STYLE } from './style';
import { lineChart, type ChartOptions, type Series } from './svg';

export const FAMILY_AXES = ['level', 'latency', 'speedup', 'file', 'gzip'] as const;
export type FamilyAxis = (typeof FAMILY_AXES)[number];

interface AxisSpec {
  /** The choice as the view offers it. */
  choice: string;
  /** What x is, in a sentence ("Dice vs <noun>"). */
  noun: string;
  /** What the sweep must have measured for this axis (null: the level is always there). */
  needs: 'size' | 'latency' | null;
  value(l: PruneLevel): number | undefined;
}

const KIB = 1024;
const MIB = 1024 * 1024;

export const FAMILY_AXIS_SPECS: Record<FamilyAxis, AxisSpec> = {
  level: { choice: 'Level', noun: 'level', needs: null, value: (l) => l.sparsity },
  latency: { choice: 'Latency (ms)', noun: 'measured latency', needs: 'latency', value: (l) => l.measured?.latency?.medianMs },
  speedup: {
    choice: 'Speed-up vs dense',
    noun: 'measured speed-up over dense',
    needs: 'latency',
    value: (l) => l.measured?.latency?.speedup,
  },
  file: { choice: 'ONNX file size', noun: 'ONNX file size', needs: 'size', value: (l) => l.measured?.fileBytes },
  gzip: { choice: 'gzip size', noun: 'gzip size', needs: 'size', value: (l) => l.measured?.gzipBytes },
};

export const FAMILY_METRIC = 'mean per-case Dice';
const BAND = meanIntervalLabel('cases');

export interface FamilyChartInput {
  /** The run both sweeps belong to, as the view names it. */
  runLabel: string;
  /** The sweep shown for each family (absent: the run has none of that family). */
  sweeps: Partial<Record<PruneFamily, SweepRecord>>;
  axis: FamilyAxis;
  width?: number;
  height?: number;
}

export interface FamilyNote {
  family: PruneFamily;
  text: string;
}

export interface FamilyChartData {
  series: Series[];
  options: ChartOptions;
  /** Why a family is missing from the chart, or shows fewer levels than it has. */
  notes: FamilyNote[];
  /** Markers drawn, over all series. */
  points: number;
}

/** "latency (median ms ...)": the x-axis title of a measured axis. */
function axisTitle(axis: FamilyAxis, unit: string, sweeps: SweepRecord[]): string {
  const first = sweeps.flatMap((r) => r.levels).find((l) => l.measured?.latency)?.measured?.latency;
  const where = first ? `${first.runtime}, batch 1, ${first.threads} thread${first.threads === 1 ? '' : 's'}` : 'onnxruntime-node';
  if (axis === 'latency') return `median latency, ms (${where}; this machine under its load)`;
  if (axis === 'speedup') return `speed-up vs the dense model (dense / level median latency, same rounds; ${where})`;
  if (axis === 'file') return `fp32 ONNX file, ${unit} (as the export writes it)`;
  return `fp32 ONNX file gzipped (level 9), ${unit}`;
}

/** 0 to a round number at or above `max`, in about five steps. */
function niceScale(max: number): { hi: number; ticks: number[]; digits: number } {
  const raw = Math.max(max, Number.EPSILON) / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const hi = Math.ceil((max * 1.05) / step) * step;
  // As many decimals as the step has (0.25 -> 2), so no tick is rounded to a wrong label.
  const digits = Math.min(4, (String(Number(step.toPrecision(6))).split('.')[1] ?? '').length);
  return { hi, ticks: Array.from({ length: Math.round(hi / step) + 1 }, (_, i) => i * step), digits };
}

function levelMeasuredText(l: PruneLevel): string {
  return l.measured ? measuredText(l.measured) : 'file not measured';
}

function missingNote(family: PruneFamily, r: SweepRecord, needs: 'size' | 'latency', without: number): string {
  const what = needs === 'latency' ? 'Measured latency' : 'File size';
  const rerun = `re-run it with Measure “${SWEEP_MEASURE_LABELS.latency}” (var-studio sweep --measure latency)`;
  if (without < r.levels.length)
    return `${without} of ${r.levels.length} levels of the ${family} sweep ${r.sweepId} have no ${what.toLowerCase()}: the others are shown.`;
  return `${what} not recorded for the ${family} sweep ${r.sweepId} (measure: ${SWEEP_MEASURE_LABELS[r.config.measure]}): ${rerun}.`;
}

export function familyChartData(input: FamilyChartInput): FamilyChartData {
  const spec = FAMILY_AXIS_SPECS[input.axis];
  const present = pruneFamilies.flatMap((f) => (input.sweeps[f] ? [{ family: f, record: input.sweeps[f] }] : []));
  const notes: FamilyNote[] = pruneFamilies
    .filter((f) => !input.sweeps[f])
    .map((f) => ({ family: f, text: `No ${f} sweep of this run yet: start one above with Family “${familyLabel(f)}”.` }));
  const levels = [...new Set(present.flatMap((p) => p.record.levels.map((l) => l.sparsity)))].sort((a, b) => a - b);
  const bytes = input.axis === 'file' || input.axis === 'gzip';
  const maxRaw = Math.max(0, ...present.flatMap((p) => p.record.levels.map((l) => spec.value(l) ?? 0)));
  const unit = maxRaw >= 4 * MIB ? 'MiB' : 'KiB';
  const scale = bytes ? (unit === 'MiB' ? MIB : KIB) : 1;
  const x = (l: PruneLevel) => (input.axis === 'level' ? levels.indexOf(l.sparsity) : (spec.value(l) ?? NaN) / scale);

  const series: Series[] = present.map(({ family, record }) => {
    const meaning = [record.config];
    const shown = record.levels.filter((l) => spec.value(l) !== undefined && l.summary.caseDice.mean !== null);
    const without = record.levels.filter((l) => spec.value(l) === undefined).length;
    if (spec.needs && without > 0) notes.push({ family, text: missingNote(family, record, spec.needs, without) });
    return {
      label: `${familyLabel(family)} pruning (level = ${family === 'channel' ? 'conv weights removed' : 'sparsity'})`,
      ...FAMILY_STYLE[family],
      markers: true,
      points: shown.map((l) => {
        const dice = l.summary.caseDice;
        const ci = meanIntervalOf(dice, 'cases', { bounds: [0, 1] });
        const interval = ci ? ` (${BAND} ${ci.lo.toFixed(3)}–${ci.hi.toFixed(3)}, n = ${dice.n})` : ` (n = ${dice.n}, no interval)`;
        return {
          x: x(l),
          y: dice.mean!,
          ...(ci ? { lo: ci.lo, hi: ci.hi } : {}),
          tag: levelLabel(l.sparsity),
          title: `${familyLabel(family)}, ${describeLevel(l.sparsity, meaning)}: ${FAMILY_METRIC} ${dice.mean!.toFixed(3)}${interval}; ${levelMeasuredText(l)}`,
        };
      }),
    };
  });

  const axisRange = (): Pick<ChartOptions, 'x' | 'xTicks' | 'xFormat' | 'xLabel' | 'guides'> => {
    if (input.axis === 'level')
      return {
        x: [-0.3, Math.max(1, levels.length - 1) + 0.3],
        xTicks: levels.map((_, i) => i),
        xFormat: (i) => (levels[Math.round(i)] !== undefined ? levelLabel(levels[Math.round(i)]) : ''),
        xLabel: levelAxisTitle(present.map((p) => p.record.config)),
      };
    const { hi, ticks, digits } = niceScale(maxRaw / scale);
    return {
      x: [0, hi],
      xTicks: ticks,
      xFormat: (v) => (input.axis === 'speedup' ? `${v.toFixed(digits)}x` : v.toFixed(digits)),
      xLabel: axisTitle(
        input.axis,
        unit,
        present.map((p) => p.record),
      ),
      // Speed-up 1: as fast as the dense model.
      ...(input.axis === 'speedup' && hi >= 1 ? { guides: [1] } : {}),
    };
  };
  const options: ChartOptions = {
    title: `${input.runLabel}: both pruning families, ${FAMILY_METRIC} vs ${spec.noun}`,
    yLabel: FAMILY_METRIC,
    y: [0, 1],
    ...axisRange(),
    legendTitle: `${FAMILY_METRIC} · error bars: ${BAND} · tags: the sweep level`,
    bands: true,
    intervals: 'bars',
    dodge: 3,
    width: input.width ?? 760,
    height: input.height ?? 320,
  };
  return { series, options, notes, points: series.reduce((n, s) => n + s.points.length, 0) };
}

export function familyChart(data: FamilyChartData): string {
  return lineChart(data.series, data.options);
}
