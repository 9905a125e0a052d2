/**
 * The channel and label choice of a multi-channel layout or label map, as the Data view edits it:
 * which channels feed the model in which order, and which labels count as lesion. Applying it
 * reopens the data with `datasets.open { path, channels, labels }`; a run trained on it stores
 * the choice as `data.channels` / `data.labels` (run.json and the model card).
 */
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';

export interface ChoiceDraft {
  /** Every channel offered, in the order the model would get the ticked ones. */
  channels: { name: string; on: boolean }[];
  /** Label values ticked as lesion. */
  lesion: number[];
}

/** The draft that shows what the open dataset uses now. */
export function draftOf(ds: OpenedDataset): ChoiceDraft {
  const c = ds.choices ?? {};
  const used = c.channels ?? [];
  const rest = (c.availableChannels ?? []).filter((n) => !used.includes(n));
  const present = (c.labels ?? []).map((l) => l.value);
  return {
    channels: [...used.map((name) => ({ name, on: true })), ...rest.map((name) => ({ name, on: false }))],
    lesion: c.lesionLabels ?? present,
  };
}

/** Why the draft cannot be applied, or undefined. */
export function checkDraft(ds: OpenedDataset, d: ChoiceDraft): string | undefined {
  if (d.channels.length && !d.channels.some((c) => c.on)) return 'Keep at least one channel';
  const present = new Set((ds.choices?.labels ?? []).map((l) => l.value));
  if (present.size && d.lesion.length === 0) return 'Tick at least one label as lesion';
  const absent = d.lesion.find((v) => !present.has(v));
  if (absent !== undefined) return `Label ${absent} is in no label map of this data`;
  return undefined;
}

/** The datasets.open request that applies the draft (defaults left out: all labels = no `labels`). */
export function requestOf(ds: OpenedDataset, d: ChoiceDraft): { path: string; channels?: string[]; labels?: number[] } {
  const channels = d.channels.filter((c) => c.on).map((c) => c.name);
  const present = (ds.choices?.labels ?? []).map((l) => l.value);
  const all = present.length > 0 && present.every((v) => d.lesion.includes(v));
  return {
    path: ds.root,
    ...(channels.length ? { channels } : {}),
    ...(all || !d.lesion.length ? {} : { labels: [...d.lesion].sort((a, b) => a - b) }),
  };
}

export function sameDraft(a: ChoiceDraft, b: ChoiceDraft): boolean {
  const key = (d: ChoiceDraft) => JSON.stringify([d.channels.filter((c) => c.on).map((c) => c.name), [...d.lesion].sort((x, y) => x - y)]);
  return key(a) === key(b);
}

/** BraTS regions from the labels present (1 necrotic core, 2 oedema, 4 or 2023's 3 enhancing). */
export function bratsRegions(present: number[]): { id: string; label: string; values: number[] }[] {
  const enh = present.includes(4) ? 4 : present.includes(3) ? 3 : undefined;
  const out = [{ id: 'wt', label: 'Whole tumour', values: present.filter((v) => [1, 2, 3, 4].includes(v)) }];
  if (enh !== undefined) {
    out.push({ id: 'tc', label: 'Tumour core', values: present.filter((v) => v === 1 || v === enh) });
    out.push({ id: 'et', label: 'Enhancing tumour', values: [enh] });
  }
  return out.filter((r) => r.values.length);
}

/** One line for the Train and Predict views: what the model reads and what counts as lesion. */
export function describeChoice(c: { channels?: string[]; lesionLabels?: number[] } | undefined): string | undefined {
  if (!c || (!c.channels && !c.lesionLabels)) return undefined;
  const parts = [];
  if (c.channels) parts.push(`channels ${c.channels.join(', ')}`);
  parts.push(
    c.lesionLabels
      ? `lesion = label${c.lesionLabels.length === 1 ? '' : 's'} ${c.lesionLabels.join(', ')}`
      : 'lesion = every non-zero label',
  );
  return parts.join('; ');
}
