import { fragileSlices } from '../../../shared/sweep/fragile';
import type { SweepRecord } from '../../../shared/sweep/result';
import { num, pct } from './model';

/** Lesion slices with the largest slice-Dice drop from the first (dense) level; a click shows them in the grid. */
export function FragileList({ record, onPick }: { record: SweepRecord; onPick: (caseId: string, index: number) => void }) {
  const rows = fragileSlices(record, 8).filter((r) => r.drop > 0);
  return (
    <section className="sweep-fragile" aria-labelledby="sweep-fragile-title">
      <h3 id="sweep-fragile-title" className="box__title">
        Most pruning-fragile slices
      </h3>
      {rows.length === 0 ? (
        <p className="sweep-muted">No lesion slice lost Dice under pruning.</p>
      ) : (
        <ol>
          {rows.map((r) => (
            <li key={`${r.caseId}-${r.index}`}>
              <button
                type="button"
                className="sweep-link"
                onClick={() => onPick(r.caseId, r.index)}
                aria-label={`Show case ${r.caseId} slice ${r.index + 1} in the grid`}
              >
                {r.caseId} · slice {r.index + 1}
              </button>
              <span className="sweep-muted">
                slice Dice {num(r.baseDice, 2)} → {num(r.worstDice, 2)} at {pct(r.worstLevel, 0)} (−{num(r.drop, 2)})
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
