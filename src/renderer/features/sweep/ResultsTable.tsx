import { levelOnnxBytes, type SweepRecord } from '../../../shared/sweep/result';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { formatBytes } from '../../../shared/export/markdown';
import { caseInterval, familyLabel, num, pct, type SweepableRun } from './model';

const formatOptionalBytes = (bytes: number | undefined) => (bytes ? formatBytes(bytes) : '–');

function ciText(s: { n: number; mean: number | null; std: number | null }): string {
  const ci = caseInterval(s);
  return 'lo' in ci ? `(${num(ci.lo)}–${num(ci.hi)})` : '';
}

/** Per level and run: achieved sparsity and the scoring module's summary (headline first). */
export function ResultsTable({ entries }: { entries: { run: SweepableRun; record: SweepRecord }[] }) {
  return (
    // Focusable: when the table is wider than the view, the keyboard scrolls it too.
    <div className="sweep-table__wrap box" tabIndex={0} role="region" aria-label="Sweep results per level (scrolls sideways when narrow)">
      <table className="sweep-table figures-table" aria-label="Sweep results per level">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Level</th>
            <th scope="col">Achieved</th>
            <th scope="col" title="Size of the float32 ONNX file the level was scored with (ONNX scorer)">
              ONNX size
            </th>
            <th
              scope="col"
              title="Headline: Dice of each patient volume, mean over the cases with a lesion; in brackets its 95 % CI over cases (as drawn in the chart)"
            >
              Per-case Dice (95 % CI)
            </th>
            <th scope="col" title="Dice per slice, mean over the slices whose true mask is not empty">
              Lesion-slice Dice
            </th>
            <th scope="col" title="IoU of each patient volume, mean over the cases with a lesion">
              Per-case IoU
            </th>
            <th scope="col" title="Median over cases: MedPy's pooled 95th percentile / MONAI's max of the two directed 95th percentiles">
              HD95 MedPy / MONAI ({entries[0]?.record.levels[0]?.summary.hd95Unit ?? 'px'})
            </th>
            <th scope="col" title="Lesion-free slices with anything predicted">
              FP lesion-free slices
            </th>
            <th scope="col" title="Lesion-free cases with anything predicted">
              FP lesion-free cases
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.flatMap(({ run, record }) =>
            record.levels.map((l, i) => (
              <tr key={`${run.runId}-${l.sparsity}`} data-run={run.runId}>
                {i === 0 && (
                  <th scope="rowgroup" rowSpan={record.levels.length}>
                    {run.name}
                    <div className="sweep-muted">{methodLabel(run.method, run.varLambda)}</div>
                    <div className="sweep-muted" data-family={record.config.family}>
                      {familyLabel(record.config.family)} pruning
                    </div>
                    {run.trainingVerdict === 'failed' && (
                      <div
                        className="failed-training"
                        title="Validation per-case Dice no better than predicting no lesion: its curve says nothing about pruning"
                      >
                        failed training
                      </div>
                    )}
                  </th>
                )}
                <td>{pct(l.sparsity, 0)}</td>
                <td title={l.channel ? 'Conv weights removed with their channels' : 'Conv weights set to zero'}>
                  {pct(l.achieved, 2)} {l.channel ? 'removed' : 'zero'}
                </td>
                <td>{formatOptionalBytes(levelOnnxBytes(l))}</td>
                <td>
                  {num(l.summary.caseDice.mean)}
                  <span className="sweep-muted"> {ciText(l.summary.caseDice)}</span>
                </td>
                <td>{num(l.summary.lesionSliceDice.mean)}</td>
                <td>{num(l.summary.caseIoU.mean)}</td>
                <td>
                  {num(l.summary.hd95Pooled.median, 2)} / {num(l.summary.hd95MaxDirected.median, 2)}
                  {l.summary.hd95Missing > 0 && <span className="sweep-muted"> ({l.summary.hd95Missing} n/a)</span>}
                </td>
                <td>
                  {l.summary.falsePositiveEmptySlices.withPrediction}/{l.summary.falsePositiveEmptySlices.n}
                </td>
                <td>
                  {l.summary.falsePositiveEmptyCases.withPrediction}/{l.summary.falsePositiveEmptyCases.n}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}
