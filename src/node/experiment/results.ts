/** Turns run records and sweep records into results.json rows (the report reads the same object). */
import * as os from 'node:os';
import { backendLabel } from '../../shared/backend';
import type { ExperimentConfig } from '../../shared/experiment/config';
import type { GridCell } from '../../shared/experiment/grid';
import {
  RESULTS_VERSION,
  ResultsSchema,
  type MissingCell,
  type ResultEntry,
  type Results,
  type RunSummary,
  type Stage,
} from '../../shared/experiment/results';
import { compareGroups, findings } from '../../shared/experiment/compare';
import { groupEntries } from '../../shared/experiment/summary';
import type { RunRecord } from '../../shared/run/record';
import type { SweptRun } from './collect';

export function runSummary(cell: GridCell, record: RunRecord, swept: SweptRun | undefined, reusedFrom?: string): RunSummary {
  const last = record.epochs.at(-1);
  const g = last?.weightStats.global;
  return {
    key: cell.key,
    runId: record.id,
    name: record.config.name,
    group: cell.group,
    label: cell.label,
    optimizer: cell.method,
    varLambda: cell.varLambda,
    seed: cell.seed,
    status: record.status,
    backend: backendLabel(record.backend),
    trainSeconds: record.timings.totalSeconds,
    ...(reusedFrom ? { reusedFrom } : {}),
    ...(swept ? { sweepId: swept.record.sweepId } : {}),
    sweepSeconds: swept?.record.seconds ?? 0,
    finalValCaseDice: last?.valCaseDice ?? null,
    ...(record.trainingCheck ? { trainingCheck: record.trainingCheck } : {}),
    weights: { count: g?.count ?? 0, std: g?.std ?? 0, fracBelow1e3: g?.fracBelow1e3 ?? 0 },
    epochs: record.epochs.map((e) => ({
      epoch: e.epoch,
      trainLoss: e.trainLoss,
      varPenalty: e.varPenalty,
      valCaseDice: e.valCaseDice,
      seconds: e.seconds,
    })),
  };
}

const stats = (s: { mean: number | null; std: number | null; median: number | null }) => ({ mean: s.mean, std: s.std, median: s.median });

export function runEntries(cell: GridCell, record: RunRecord, swept: SweptRun): ResultEntry[] {
  const sw = swept.record;
  return sw.levels.map((l) => {
    const s = l.summary;
    return {
      run: record.config.name,
      runId: record.id,
      group: cell.group,
      label: cell.label,
      optimizer: cell.method,
      varLambda: cell.varLambda,
      seed: cell.seed,
      sparsity: l.sparsity,
      achieved: l.achieved,
      overallSparsity: l.overall,
      ...(l.channel ? { kernelParams: l.channel.kernelParams } : {}),
      slices: s.slices,
      cases: s.cases,
      lesionCases: s.lesionCases,
      caseDice: stats(s.caseDice),
      perCase: l.perCase.map((c) => ({ caseId: c.caseId, dice: c.dice })),
      lesionSliceDice: { ...stats(s.lesionSliceDice), n: s.lesionSliceDice.n },
      caseIoU: stats(s.caseIoU),
      hd95Pooled: stats(s.hd95Pooled),
      hd95MaxDirected: stats(s.hd95MaxDirected),
      hd95Unit: s.hd95Unit,
      falsePositiveEmptySlices: s.falsePositiveEmptySlices,
      falsePositiveEmptyCases: s.falsePositiveEmptyCases,
      backend: sw.backend,
      trainSeconds: record.timings.totalSeconds,
      sweepSeconds: l.seconds,
    };
  });
}

export interface ResultsInput {
  config: ExperimentConfig;
  preset?: string;
  status: Results['status'];
  missing?: MissingCell[];
  createdAt: string;
  cells: GridCell[];
  records: Map<string, RunRecord>;
  swept: Map<string, SweptRun>;
  /** Per cell key: where its run was reused from (cells that trained their own are absent). */
  reusedFrom?: Map<string, string>;
  stages: Stage[];
  totalSeconds: number;
}

export function buildResults(input: ResultsInput): Results {
  const runs: RunSummary[] = [];
  const entries: ResultEntry[] = [];
  for (const cell of input.cells) {
    const record = input.records.get(cell.key);
    if (!record) continue;
    const swept = input.swept.get(cell.key);
    runs.push(runSummary(cell, record, swept, input.reusedFrom?.get(cell.key)));
    if (swept) entries.push(...runEntries(cell, record, swept));
  }
  const groups = groupEntries(entries, runs);
  const comparisons = compareGroups(entries, runs);
  const first = [...input.records.values()][0];
  const results: Results = {
    version: RESULTS_VERSION,
    experiment: { name: input.config.name, ...(input.preset ? { preset: input.preset } : {}), config: input.config },
    status: input.status,
    missing: input.missing ?? [],
    createdAt: input.createdAt,
    finishedAt: new Date().toISOString(),
    host: {
      cpus: os.availableParallelism(),
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
      platform: `${os.platform()} ${os.arch()}`,
      node: process.version,
    },
    backend: {
      name: first?.backend.name ?? 'none',
      detail: first?.backend.detail ?? 'no run was trained',
      ...(first?.backend.adapter ? { adapter: first.backend.adapter } : {}),
    },
    stages: input.stages,
    totalSeconds: input.totalSeconds,
    runs,
    groups,
    entries,
    comparisons,
    findings: findings(comparisons, input.config.report.headlineLevels, input.config.sweep),
  };
  return ResultsSchema.parse(results);
}
