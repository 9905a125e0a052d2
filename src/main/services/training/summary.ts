/** RunRecord -> one row of the runs list (the per-epoch statistics stay in runs.get). */
import { backendLabel } from '../../../shared/backend';
import type { Job } from '../../../shared/api/schemas/jobs';
import type { RunSummary } from '../../../shared/api/schemas/training';
import type { RunData } from '../../../shared/run/config';
import type { RunRecord } from '../../../shared/run/record';

export function dataLabel(d: RunData): string {
  if (d.kind === 'phantoms') return `Phantoms ${d.count}×${d.slicesPerCase} @${d.size}px (seed ${d.seed})`;
  const base = d.path.split(/[\\/]/).filter(Boolean).pop() ?? d.path;
  return d.format ? `${base} (${d.format})` : base;
}

/** The run loaded its data and built its model (record.data is written then), or trained an epoch. */
export function hasStarted(r: RunRecord): boolean {
  return r.data !== undefined || r.epochs.length > 0;
}

export function summarizeRun(r: RunRecord, job: Job | undefined): RunSummary {
  const last = r.epochs.at(-1);
  return {
    id: r.id,
    name: r.config.name,
    status: r.status,
    // A record left "running" with no job of ours behind it: the studio stopped while it trained.
    interrupted: r.status === 'running' && job?.state !== 'running',
    started: hasStarted(r),
    ...(job ? { jobId: job.jobId } : {}),
    backend: backendLabel(r.backend),
    backendDetail: r.backend.detail,
    method: r.config.optimizer.method,
    varLambda: r.config.optimizer.varLambda,
    preset: r.config.model.preset ?? r.config.model.encoder,
    inputSize: r.config.model.inputSize,
    epochs: r.config.epochs,
    epochsDone: r.epochs.length,
    lastTrainLoss: last ? last.trainLoss : null,
    lastValCaseDice: last ? last.valCaseDice : null,
    trainingVerdict: r.trainingCheck?.verdict ?? 'unknown',
    fracBelow1e3: last ? last.weightStats.global.fracBelow1e3 : null,
    dataLabel: dataLabel(r.config.data),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    totalSeconds: r.timings.totalSeconds,
    ...(r.hessianTopEigenvalue !== undefined ? { hessianTopEigenvalue: r.hessianTopEigenvalue } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}
