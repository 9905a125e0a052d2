/**
 * Train view: the run form, the run on screen (progress, live loss/Dice, weight histogram that
 * overlays two compared runs) and the runs list read from the run store.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { StudioError } from '../../../shared/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { RunsList } from '../runs/RunsList';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { useRuns } from '../runs/useRuns';
import { LiveCharts } from './LiveCharts';
import { ProgressPanel } from './ProgressPanel';
import { TrainForm } from './TrainForm';
import { useDataSources } from './useDataSources';
import { useLiveRun } from './useLiveRun';
import { WeightHistogram, type HistogramSeries } from './WeightHistogram';
import './train.css';
import '../runs/runs.css';

export function TrainPage() {
  const [error, setError] = useState<StudioError | null>(null);
  const onError = useCallback((e: StudioError) => setError(e), []);
  const sources = useDataSources();
  const live = useLiveRun(onError);
  const runsModel = useRuns(onError);
  const { run } = live;

  const busy = runsModel.jobs.some((j) => j.state === 'running' || j.state === 'queued');

  // After a reload (or coming back to the view) a training in progress is shown again.
  const runningJob = runsModel.jobs.find((j) => j.state === 'running' && j.kind !== 'flatness' && j.runId);
  useEffect(() => {
    if (!run && runningJob?.runId) void live.open(runningJob.runId, runningJob);
    // Keyed on the job id: reopening on every list refresh would reset the live step losses.
  }, [runningJob?.jobId]);

  // Two runs ticked: overlay them. Otherwise the run on screen, live.
  const histogram = useMemo<HistogramSeries[]>(() => {
    const picked = runsModel.compare.map((id) => runsModel.records[id]).filter(Boolean);
    if (picked.length === 2) {
      return picked
        .filter((r) => r.epochs.length > 0)
        .map((r) => {
          const last = r.epochs.at(-1)!;
          return { label: `${r.config.name} (${methodLabel(r.config.optimizer.method, r.config.optimizer.varLambda)})`, stats: last.weightStats.global, epoch: last.epoch };
        });
    }
    const last = run?.epochs.at(-1);
    return run && last ? [{ label: run.name, stats: last.weightStats.global, epoch: last.epoch }] : [];
  }, [runsModel.compare, runsModel.records, run]);

  return (
    <div className="train-view">
      {error && <ErrorBanner error={error} onDismiss={() => setError(null)} />}
      <div className="train-layout">
        <section className="panel train-layout__form" aria-labelledby="train-form-title">
          <h3 id="train-form-title" className="panel__title">
            New run
          </h3>
          <TrainForm sources={sources} busy={busy} onStart={(config) => live.start(config).then(() => runsModel.refresh())} />
        </section>
        <section className="panel train-layout__live" aria-labelledby="train-live-title">
          <h3 id="train-live-title" className="panel__title">
            {run ? 'Run' : 'Live training'}
          </h3>
          {run ? (
            <>
              <ProgressPanel run={run} onCancel={() => run.jobId && void runsModel.cancel(run.jobId)} />
              <LiveCharts run={run} />
            </>
          ) : (
            <p className="muted">Start a run, or open one from the list below: its progress, loss and validation Dice appear here.</p>
          )}
          <h4 className="panel__subtitle">Weight distribution</h4>
          <WeightHistogram series={histogram} />
        </section>
      </div>
      <section className="panel" aria-labelledby="runs-title">
        <h3 id="runs-title" className="panel__title">
          Runs
        </h3>
        <RunsList
          runs={runsModel.runs}
          jobs={runsModel.jobs}
          problems={runsModel.problems}
          compare={runsModel.compare}
          openRunId={run?.runId}
          onOpen={(r) => void live.open(r.id, runsModel.jobs.find((j) => j.runId === r.id && j.kind !== 'flatness'))}
          onToggleCompare={runsModel.toggleCompare}
          onResume={async (id) => {
            const job = await runsModel.resume(id);
            if (job) {
              if (run?.runId === id) live.follow(job);
              else await live.open(id, job);
            }
          }}
          onFlatness={(id) => void runsModel.flatness(id)}
          onCancel={(jobId) => void runsModel.cancel(jobId)}
          onDelete={async (id) => {
            const ok = await runsModel.remove(id);
            if (ok) live.forget(id);
            return ok;
          }}
        />
      </section>
    </div>
  );
}
