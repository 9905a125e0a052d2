/**
 * Per-case metrics as CSV (RFC 4180, comma, "." decimals, empty cell = not defined), one row per
 * run x level x case, for R or a spreadsheet. Written beside a sweep's record and beside an
 * experiment's results.json. Numbers are the scoring module's, unrounded.
 */
import type { SweepRecord } from './result';

/** What identifies the run of a sweep in the rows (experiments add their cell). */
export interface CsvRun {
  runId: string;
  runName: string;
  method: string;
  varLambda: number;
  seed: number;
  cell?: string;
  group?: string;
}

export const PER_CASE_COLUMNS = [
  'cell',
  'group',
  'run_id',
  'run_name',
  'method',
  'var_lambda',
  'seed',
  'sweep_id',
  'split',
  'family',
  'sparsity',
  'achieved',
  'case_id',
  'slices',
  'lesion',
  'dice',
  'iou',
  'hd95_pooled',
  'hd95_max_directed',
  'hd95_unit',
  'true_pixels',
  'pred_pixels',
  'fp_pixels',
] as const;

function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function perCaseRows(run: CsvRun, sweep: SweepRecord): string[] {
  return sweep.levels.flatMap((l) =>
    l.perCase.map((c) =>
      [
        run.cell,
        run.group,
        run.runId,
        run.runName,
        run.method,
        run.varLambda,
        run.seed,
        sweep.sweepId,
        sweep.config.split,
        sweep.config.family,
        l.sparsity,
        l.achieved,
        c.caseId,
        c.slices,
        c.lesion,
        c.dice,
        c.iou,
        c.hd95Pooled,
        c.hd95MaxDirected,
        l.summary.hd95Unit,
        c.truePixels,
        c.predPixels,
        c.fpPixels,
      ]
        .map(cell)
        .join(','),
    ),
  );
}

export function perCaseCsv(items: Array<{ run: CsvRun; sweep: SweepRecord }>): string {
  return [PER_CASE_COLUMNS.join(','), ...items.flatMap((i) => perCaseRows(i.run, i.sweep))].join('\r\n') + '\r\n';
}
