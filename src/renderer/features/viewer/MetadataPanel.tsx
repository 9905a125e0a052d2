import type { CaseInfo } from '../../../shared/data/types';
import type { ViewportState } from './SliceViewport';

const num = (v: number, digits = 1) => (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(digits));
const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** What a reader checks before trusting a picture: size, spacing, channels, where it came from. */
export function MetadataPanel({
  caseInfo,
  index,
  channelName,
  state,
}: {
  caseInfo: CaseInfo;
  index: number;
  channelName: string;
  state: ViewportState | undefined;
}) {
  const s = state?.info.slice;
  const spacing = s?.spacing ?? caseInfo.spacing;
  const rows: Array<[string, string]> = [
    ['Case', caseInfo.id],
    ['Patient', caseInfo.patientId],
    ['Slice', `${index + 1} of ${caseInfo.sliceCount}`],
    ['Size', `${caseInfo.width} × ${caseInfo.height} px`],
    ['Spacing', spacing ? `${spacing[0].toFixed(3)} × ${spacing[1].toFixed(3)} mm` : 'unknown'],
    [
      'Thickness',
      s?.sliceThickness !== undefined
        ? `${s.sliceThickness} mm`
        : caseInfo.sliceThickness !== undefined
          ? `${caseInfo.sliceThickness} mm`
          : '—',
    ],
    ['Channels', `${caseInfo.channels} (showing ${channelName})`],
    ['Window', state ? `C ${num(state.window.center)} / W ${num(state.window.width)}` : '—'],
    ['Range', s ? `${num(s.min)} … ${num(s.max)}` : '—'],
    ['Zoom', state ? `${Math.round(state.scale * 100)} %` : '—'],
    ['Mask', caseInfo.hasMask ? (s ? `${s.lesionPixels} lesion px` : 'yes') : 'none'],
    ['Source', s ? baseName(s.source) : '—'],
  ];
  return (
    <aside className="metadata" aria-label="Slice metadata">
      <h3>Metadata</h3>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} className="metadata__row" data-key={k.toLowerCase()}>
            <dt>{k}</dt>
            <dd title={v}>{v}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}
