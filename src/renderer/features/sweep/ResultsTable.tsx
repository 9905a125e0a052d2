import type { SweepRecord } from '../../../shared/sweep/result';
import { methodLabel } from '../../../shared/train/optimizerConfig';
import { num, pct, type SweepableRun } from './model';

/** Per level and run: achieved sparsity and the aggregate metrics. */
export function ResultsTable({ entries }: { entries: { run: SweepableRun; record: SweepRecord }[] }) {
  return (
    <div className="sweep-table__wrap">
      <table className="sweep-table" aria-label="Sweep results per level">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Level</th>
            <th scope="col">Achieved</th>
            <th scope="col" title="Per slice">Dice mean ± std</th>
            <th scope="col">Dice median</th>
            <th scope="col" title="Dice over each case's slices together (per volume), mean over cases">Case Dice</th>
            <th scope="col">IoU mean</th>
            <th scope="col">HD95 median ({entries[0]?.record.unit ?? 'px'})</th>
            <th scope="col" title="Slices whose true mask is empty but something was predicted">Empty-truth FP</th>
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
                  </th>
                )}
                <td>{pct(l.sparsity, 0)}</td>
                <td>{pct(l.achieved, 2)}</td>
                <td>
                  {num(l.aggregate.dice.mean)} ± {num(l.aggregate.dice.std)}
                </td>
                <td>{num(l.aggregate.dice.median)}</td>
                <td>{num(l.volumeAggregate?.dice.mean)}</td>
                <td>{num(l.aggregate.iou.mean)}</td>
                <td>
                  {num(l.aggregate.hd95.median, 2)}
                  {l.aggregate.hd95Missing > 0 && <span className="sweep-muted"> ({l.aggregate.hd95Missing} n/a)</span>}
                </td>
                <td>
                  {l.aggregate.emptyTruthWithFalsePositive}/{l.aggregate.emptyTruthCases}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}
