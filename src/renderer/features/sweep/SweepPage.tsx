import { useCallback, useEffect, useMemo, useState } from 'react';
import type { CallInput, JobProgress } from '../../../shared/api/contract';
import type { StudioError } from '../../../shared/errors';
import type { SweepImages, SweepRecord } from '../../../shared/sweep/result';
import { useApi, useEvent } from '../../api/context';
import { EmptyState } from '../../components/EmptyState';
import { DiceChart } from './DiceChart';
import { FamilyChart } from './FamilyChart';
import type { FamilyAxis } from '../../../shared/charts/familyChart';
import type { PruneFamily } from '../../../shared/sweep/config';
import { FragileList } from './FragileList';
import { ResultsTable } from './ResultsTable';
import { StartPanel } from './StartPanel';
import { SweepGrid, type GridFocus } from './SweepGrid';
import { chartData, defaultSweep, familySweepIds, type SweepList, type SweepableRun } from './model';
import './sweep.css';

const key = (runId: string, sweepId: string) => `${runId}/${sweepId}`;

export function SweepPage() {
  const api = useApi();
  const [list, setList] = useState<SweepList>();
  const [error, setError] = useState<StudioError>();
  const [selectedState, setSelected] = useState<string[] | undefined>();
  const [chosenState, setChosen] = useState<Record<string, string>>({});
  const [records, setRecords] = useState<Record<string, SweepRecord>>({});
  const [job, setJob] = useState<JobProgress>();
  const [startError, setStartError] = useState<string>();
  const [gridRunState, setGridRun] = useState<string>();
  const [images, setImages] = useState<{ key: string; data: SweepImages }>();
  const [focus, setFocus] = useState<GridFocus>();
  const [familyRunState, setFamilyRun] = useState<string>();
  const [familyAxis, setFamilyAxis] = useState<FamilyAxis>('level');

  const refresh = useCallback(
    () =>
      api.call('sweep.list', {}).then(
        (l) => {
          setList(l);
          setError(undefined);
          return l;
        },
        (e: StudioError) => {
          setError(e);
          return undefined;
        },
      ),
    [api],
  );

  useEffect(() => {
    void refresh().then((l) => {
      // Reopening the view while a sweep runs: follow it.
      const a = l?.active[0];
      if (a)
        setJob({ jobId: a.sweepId, kind: 'sweep', fraction: a.fraction, etaSeconds: a.etaSeconds, message: a.message, state: 'running' });
    });
  }, [refresh]);

  useEvent('job.progress', (p) => {
    if (p.kind !== 'sweep') return;
    if (job && job.jobId !== p.jobId && (job.state === undefined || job.state === 'running')) return;
    setJob(p);
    if (p.state && p.state !== 'running') {
      void refresh().then((l) => {
        const runs = l?.runs.filter((r) => r.sweeps.some((s) => s.sweepId === p.jobId)) ?? [];
        setChosen((c) => ({ ...c, ...Object.fromEntries(runs.map((r) => [r.runId, p.jobId])) }));
        setRecords((rs) => Object.fromEntries(Object.entries(rs).filter(([k]) => !k.endsWith(`/${p.jobId}`))));
      });
    }
  });

  const runs = list?.runs ?? [];
  // Runs deleted meanwhile drop out of the selection.
  const selected = (selectedState ?? runs.filter((r) => r.sweeps.length > 0).map((r) => r.runId)).filter((id) =>
    runs.some((r) => r.runId === id),
  );
  const chosen = useCallback((r: SweepableRun) => chosenState[r.runId] ?? defaultSweep(r)?.sweepId, [chosenState]);
  const shown = runs.filter((r) => selected.includes(r.runId) && chosen(r));
  const wanted = shown.map((r) => key(r.runId, chosen(r)!));
  const shownKey = shown.map((r) => r.runId).join('|');
  // The family chart: one shown run, each pruning family's sweep of it (fetched with the others).
  const familyRun = shown.find((r) => r.runId === familyRunState) ?? shown.find((r) => r.runId === gridRunState) ?? shown[0];
  const familyIds = familyRun ? familySweepIds(familyRun, chosen(familyRun)) : {};
  const familyKeys = Object.values(familyIds).map((id) => key(familyRun!.runId, id));
  const fetchKeys = [...new Set([...wanted, ...familyKeys])];
  const wantedKey = fetchKeys.join('|');

  useEffect(() => {
    const missing = fetchKeys.filter((k) => !records[k]);
    if (missing.length === 0) return;
    let live = true;
    Promise.all(
      missing.map((k) => {
        const [runId, sweepId] = k.split('/');
        return api.call('sweep.get', { runId, sweepId }).then((r) => [k, r] as const);
      }),
    ).then(
      (got) => live && setRecords((rs) => ({ ...rs, ...Object.fromEntries(got) })),
      (e: StudioError) => live && setError(e),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the wanted records' keys, not on the array rebuilt every render
  }, [api, wantedKey, records]);

  const entries = useMemo(
    () =>
      shown
        .flatMap((run) => (records[key(run.runId, chosen(run)!)] ? [{ run, record: records[key(run.runId, chosen(run)!)] }] : []))
        .filter((e) => e.record.levels.length > 0),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the shown run ids, not on the array rebuilt every render
    [shownKey, records, chosen],
  );
  const chart = useMemo(() => chartData(entries), [entries]);
  const familyRecord = (f: PruneFamily) => (familyRun && familyIds[f] ? records[key(familyRun.runId, familyIds[f])] : undefined);
  const [unstructured, channel] = [familyRecord('unstructured'), familyRecord('channel')];
  const familyInput = useMemo(
    () =>
      familyRun && {
        runLabel: familyRun.name,
        sweeps: { ...(unstructured ? { unstructured } : {}), ...(channel ? { channel } : {}) },
        axis: familyAxis,
      },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the run and records shown, not on the run object rebuilt every render
    [familyRun?.runId, familyAxis, unstructured, channel],
  );
  const gridEntry = entries.find((e) => e.run.runId === gridRunState) ?? entries[0];
  const gridKey = gridEntry ? key(gridEntry.run.runId, gridEntry.record.sweepId) : undefined;

  useEffect(() => {
    if (!gridEntry || images?.key === gridKey) return;
    let live = true;
    api.call('sweep.images', { runId: gridEntry.run.runId, sweepId: gridEntry.record.sweepId }).then(
      (data) => live && setImages({ key: gridKey!, data }),
      (e: StudioError) => live && setError(e),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the grid's run and sweep: images already shown are not fetched again
  }, [api, gridKey]);

  const start = (config: NonNullable<CallInput<'sweep.start'>['config']>) => {
    setStartError(undefined);
    api.call('sweep.start', { runIds: selected, config }).then(
      (r) =>
        setJob({
          jobId: r.jobId,
          kind: 'sweep',
          fraction: 0,
          state: 'running',
          message: r.state === 'queued' ? `Queued (position ${r.position ?? 1}): another job is running` : 'Starting…',
        }),
      (e: StudioError) => setStartError(`${e.what}. ${e.hint}`),
    );
  };
  const cancel = () => {
    if (job) void api.call('jobs.cancel', { jobId: job.jobId });
  };

  if (!list && !error) return <p className="sweep-muted">Loading runs…</p>;
  if (list && runs.length === 0) {
    return (
      <EmptyState icon="◔" title="No completed run yet">
        <p>
          A sweep prunes a finished run in one shot at several sparsity levels (for example 50%, 90%, 95%) and scores each level with Dice,
          so plain and VAR-trained models can be compared side by side.
        </p>
        <p>Finish a run in the Train view first (press 2).</p>
      </EmptyState>
    );
  }

  return (
    <div className="sweep-page themed-controls">
      {error && (
        <p className="sweep-error" role="alert">
          {error.what}. {error.hint}
        </p>
      )}
      {list && list.problems.length > 0 && (
        <details className="sweep-problems">
          <summary>{list.problems.length} unreadable run or sweep file(s) skipped</summary>
          <ul>
            {list.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </details>
      )}
      <StartPanel
        runs={runs}
        selected={selected}
        onToggle={(id) => setSelected(selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id])}
        chosen={chosen}
        onChoose={(runId, sweepId) => setChosen((c) => ({ ...c, [runId]: sweepId }))}
        job={job}
        onStart={start}
        onCancel={cancel}
        startError={startError}
      />
      <div className="sweep-results">
        {entries.length === 0 ? (
          <p className="sweep-muted">Select runs with a saved sweep, or start one.</p>
        ) : (
          <>
            <DiceChart data={chart} />
            {familyInput && (
              <FamilyChart
                input={familyInput}
                runs={shown.map((r) => ({ runId: r.runId, name: r.name }))}
                runId={familyRun!.runId}
                onRun={setFamilyRun}
                onAxis={setFamilyAxis}
              />
            )}
            <ResultsTable entries={entries} />
            {gridEntry && (
              <div className="sweep-detail box">
                {entries.length > 1 && (
                  <label className="sweep-detail__pick">
                    Grid for
                    <select value={gridEntry.run.runId} onChange={(e) => setGridRun(e.target.value)}>
                      {entries.map((e) => (
                        <option key={e.run.runId} value={e.run.runId}>
                          {e.run.name}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <FragileList record={gridEntry.record} onPick={(caseId, index) => setFocus({ caseId, index, nonce: Date.now() })} />
                {images && images.key === gridKey ? (
                  <SweepGrid record={gridEntry.record} images={images.data} focus={focus} />
                ) : (
                  <p className="sweep-muted">Loading images…</p>
                )}
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}
