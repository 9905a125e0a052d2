/**
 * Channels and labels of a multi-channel layout (Decathlon/nnU-Net, BraTS) or label map: the
 * channel order the model gets (tick, move up/down), and the label legend in the studio's colour
 * table with a "lesion" tick per label (BraTS regions as shortcuts). Apply reopens the data with
 * the choice; a run trained on it keeps it (run.json, model card).
 */
import { useEffect, useState } from 'react';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import { labelCss } from '../../../shared/data/labelMap';
import { bratsRegions, checkDraft, draftOf, sameDraft, type ChoiceDraft } from './choices';

export function DataChoices({ dataset, busy, onApply }: { dataset: OpenedDataset; busy: boolean; onApply(d: ChoiceDraft): void }) {
  const [draft, setDraft] = useState<ChoiceDraft>(() => draftOf(dataset));
  useEffect(() => setDraft(draftOf(dataset)), [dataset]);
  const labels = dataset.choices?.labels ?? [];
  if (!dataset.choices || (draft.channels.length === 0 && labels.length === 0)) return null;
  const problem = checkDraft(dataset, draft);
  const unchanged = sameDraft(draft, draftOf(dataset));
  const move = (i: number, by: number) =>
    setDraft((d) => {
      const j = i + by;
      if (j < 0 || j >= d.channels.length) return d;
      const channels = [...d.channels];
      [channels[i], channels[j]] = [channels[j], channels[i]];
      return { ...d, channels };
    });
  const toggleLabel = (v: number) =>
    setDraft((d) => ({ ...d, lesion: d.lesion.includes(v) ? d.lesion.filter((x) => x !== v) : [...d.lesion, v] }));
  const present = labels.map((l) => l.value);

  return (
    <section className="data-choices" aria-label="Channels and labels">
      {draft.channels.length > 0 && (
        <>
          <h4>Channels, in model input order</h4>
          <ol className="data-choices__channels">
            {draft.channels.map((c, i) => (
              <li key={c.name}>
                <label>
                  <input
                    type="checkbox"
                    checked={c.on}
                    aria-label={`Use channel ${c.name}`}
                    onChange={() => setDraft((d) => ({ ...d, channels: d.channels.map((x, k) => (k === i ? { ...x, on: !x.on } : x)) }))}
                  />
                  {c.name}
                </label>
                <span>
                  <button
                    type="button"
                    className="tool-button"
                    aria-label={`Move ${c.name} up`}
                    disabled={i === 0}
                    onClick={() => move(i, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="tool-button"
                    aria-label={`Move ${c.name} down`}
                    disabled={i === draft.channels.length - 1}
                    onClick={() => move(i, 1)}
                  >
                    ↓
                  </button>
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
      {labels.length > 0 && (
        <>
          <h4>Labels (colour table)</h4>
          <table className="data-choices__labels" data-testid="label-legend">
            <thead>
              <tr>
                <th>Colour</th>
                <th>Label</th>
                <th>Name</th>
                <th>Lesion</th>
              </tr>
            </thead>
            <tbody>
              {labels.map((l) => (
                <tr key={l.value}>
                  <td>
                    <span
                      className="data-choices__swatch"
                      style={{ background: labelCss(l.value) }}
                      aria-label={`colour ${labelCss(l.value)}`}
                      role="img"
                    />
                  </td>
                  <td>{l.value}</td>
                  <td>{l.name ?? ''}</td>
                  <td>
                    <input
                      type="checkbox"
                      checked={draft.lesion.includes(l.value)}
                      aria-label={`Label ${l.value} counts as lesion`}
                      onChange={() => toggleLabel(l.value)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {dataset.format === 'brats' && (
            <p className="data-choices__regions">
              {bratsRegions(present).map((r) => (
                <button key={r.id} type="button" className="tool-button" onClick={() => setDraft((d) => ({ ...d, lesion: r.values }))}>
                  {r.label} ({r.values.join(', ')})
                </button>
              ))}
            </p>
          )}
          <p className="data-choices__note">
            Every label is filled in its colour; labels that count as lesion are outlined. The lesion labels make the training mask.
          </p>
        </>
      )}
      {problem && (
        <p className="data-choices__error" role="alert">
          {problem}
        </p>
      )}
      <button type="button" className="data-choices__apply" disabled={busy || unchanged || !!problem} onClick={() => onApply(draft)}>
        Apply (reopens the data)
      </button>
    </section>
  );
}
