import { plural } from '../../../shared/format/plural';
import type { CaseInfo } from '../../../shared/data/types';

/** Cases with what matters before training: slices, lesion slices, masks present. */
export function CaseList({ cases, selected, onSelect }: { cases: CaseInfo[]; selected: string | undefined; onSelect(id: string): void }) {
  return (
    <nav className="case-list" aria-label="Cases">
      <div className="case-list__head" aria-hidden="true">
        <span>Case</span>
        <span title="slices">Sl.</span>
        <span title="slices with lesion">Les.</span>
        <span title="mask present">Mask</span>
      </div>
      <ul>
        {cases.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              className="case-list__item"
              aria-current={c.id === selected ? 'true' : undefined}
              aria-label={`Case ${c.id}: ${plural(c.sliceCount, 'slice')}, ${c.lesionSlices} with lesion, ${c.hasMask ? 'mask present' : 'no mask'}`}
              onClick={() => onSelect(c.id)}
            >
              <span className="case-list__id" title={c.id}>
                {c.id}
              </span>
              <span>{c.sliceCount}</span>
              <span className={c.lesionSlices > 0 ? 'case-list__lesion' : undefined}>{c.lesionSlices}</span>
              <span aria-hidden="true">{c.hasMask ? '✓' : '—'}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
