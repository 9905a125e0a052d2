import { plural } from '../../../shared/format/plural';
import { checkTraining, failedTrainingText } from '../../../shared/run/trainingCheck';
/** Loss (per step and per-epoch mean) and validation per-case Dice per epoch of the run on screen, with the failed-training flag. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { alignSeries, CHART_COLORS, themedAxis, UPlotChart, type ChartOptions } from '../../components/charts/UPlotChart';
import type { LiveRun } from './useLiveRun';

const lossOptions: ChartOptions = {
  height: 200,
  scales: { x: { time: false }, y: { distr: 3 } },
  axes: [themedAxis({ label: 'epoch', size: 36 }), themedAxis({ size: 50 })],
  series: [
    { label: 'epoch' },
    { label: 'step loss', stroke: CHART_COLORS.series[0], width: 1, points: { show: false }, spanGaps: true },
    { label: 'epoch mean', stroke: CHART_COLORS.series[1], width: 2, points: { show: true, size: 6 }, spanGaps: true },
  ],
  legend: { show: true },
};

const diceOptions: ChartOptions = {
  height: 200,
  scales: { x: { time: false }, y: { range: [0, 1] } },
  axes: [themedAxis({ label: 'epoch', size: 36 }), themedAxis({ size: 40 })],
  series: [
    { label: 'epoch' },
    { label: 'val per-case Dice', stroke: CHART_COLORS.series[2], width: 2, points: { show: true, size: 7 }, spanGaps: true },
  ],
  legend: { show: true },
};

export function LiveCharts({ run }: { run: LiveRun }) {
  const loss = useMemo(() => {
    const ends = run.epochs.map((e) => e.epoch + 1);
    // Log scale: non-positive losses cannot be drawn.
    const pos = (v: number) => (v > 0 && Number.isFinite(v) ? v : null);
    return alignSeries([
      { x: run.stepLoss.x, y: run.stepLoss.y.map(pos) },
      { x: ends, y: run.epochs.map((e) => pos(e.trainLoss)) },
    ]);
  }, [run.stepLoss, run.epochs]);
  const dice = useMemo<uPlot.AlignedData>(() => [run.epochs.map((e) => e.epoch + 1), run.epochs.map((e) => e.valCaseDice)], [run.epochs]);
  const last = run.epochs.at(-1);
  const lastDice = last?.valCaseDice;
  const check = last ? checkTraining(last.epoch, last.valCaseDice, last.valNothingCaseDice) : undefined;
  return (
    <div className="train-charts">
      {check?.verdict === 'failed' && (
        <p className="train-failed" role="alert" data-testid="failed-training">
          {failedTrainingText(check)}. This run is left out of every comparison.
        </p>
      )}
      <UPlotChart
        label="Training loss"
        options={lossOptions}
        data={loss}
        summary={`Training loss over ${plural(run.stepLoss.x.length, 'step')} and ${plural(run.epochs.length, 'epoch')}`}
      />
      <UPlotChart
        label="Validation per-case Dice"
        options={diceOptions}
        data={dice}
        summary={
          lastDice != null
            ? `Validation per-case Dice after epoch ${run.epochs.length}: ${lastDice.toFixed(3)}`
            : 'No validation per-case Dice yet'
        }
      />
    </div>
  );
}
