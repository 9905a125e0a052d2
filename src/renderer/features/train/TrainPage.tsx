/**
 * Train view: the run form, the run on screen (progress, live loss/Dice, weight histogram that
 * overlays two compared runs) and the runs list read from the run store.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { StudioError } from '../../../shared/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { RunsList } from '../runs/RunsList';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { liveStatus } from '../runs/status';
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

  // The live panel follows the running job: after a reload, when the next queued job starts, and
  // when a run is queued behind it. A run the user opened from the list stays until they start one.
  const runningJob = runsModel.jobs.find((j) => j.state === 'running' && j.kind !== 'flatness');
  const pinned = useRef(false);
  // A new run's record exists only once its job process has created it (seconds after the job
  // starts): until the runs list has it, the panel shows the job by name instead of asking for it.
  const runListed = !!runningJob?.runId && !!runsModel.runs?.some((r) => r.id === runningJob.runId);
  useEffect(() => {
    if (!runningJob) return;
    const job = runListed ? runningJob : { ...runningJob, runId: undefined };
    if (run?.jobId === job.jobId && (run.runId || !job.runId)) return;
    if (run && pinned.current && run.runId !== job.runId) return;
    void live.attach(job);
    // Keyed on the job and its run id: reopening on every list refresh would reset the step losses.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- see the line above
  }, [runningJob?.jobId, runningJob?.runId, runListed]);

  // One source of status for the panel and the table: the runs model's jobs and progress.
  const shownJob = run?.jobId ? runsModel.jobs.find((j) => j.jobId === run.jobId) : undefined;
  const shownSummary = run?.runId ? runsModel.runs?.find((r) => r.id === run.runId) : undefined;
  const shownProgress = run?.jobId ? runsModel.progress[run.jobId] : undefined;
  const status = liveStatus({ job: shownJob, progress: shownProgress, run: shownSummary });

  // Two runs ticked: overlay them. Otherwise the run on screen, live.
  const histogram = useMemo<HistogramSeries[]>(() => {
    const picked = runsModel.compare.map((id) => runsModel.records[id]).filter(Boolean);
    if (picked.length === 2) {
      return picked
        .filter((r) => r.epochs.length > 0)
        .map((r) => {
          const last = r.epochs.at(-1)!;
          return {
            label: `${r.config.name} (${methodLabel(r.config.optimizer.method, r.config.optimizer.varLambda)})`,
            stats: last.weightStats.global,
            epoch: last.epoch,
          };
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
          <TrainForm
            sources={sources}
            busy={busy}
            onStart={(config) => {
              pinned.current = false;
              // Queued behind a running job: the panel stays on the job that trains.
              return live.start(config, !runningJob).then(() => runsModel.refresh());
            }}
          />
        </section>
        <section className="panel train-layout__live" aria-labelledby="train-live-title">
          <h3 id="train-live-title" className="panel__title">
            {run ? 'Run' : 'Live training'}
          </h3>
          {run ? (
            <>
              <ProgressPanel
                run={run}
                status={status}
                progress={shownProgress}
                onCancel={() => run.jobId && void runsModel.cancel(run.jobId)}
              />
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
          progress={runsModel.progress}
          problems={runsModel.problems}
          compare={runsModel.compare}
          openRunId={run?.runId}
          onOpen={(r) => {
            pinned.current = true;
            void live.open(
              r.id,
              runsModel.jobs.find((j) => j.runId === r.id && j.kind !== 'flatness'),
            );
          }}
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
