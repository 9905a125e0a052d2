/**
 * Which label-map values count as lesion, for the readers whose masks may be label maps (DICOM,
 * NIfTI): one check that every chosen label occurs in some map, and one shape for what a dataset
 * offers and records (its id suffix, `choices.labels`, `choices.lesionLabels`).
 */
import { fail } from './fail.js';
import type { DataChoices } from './types.js';

export interface LesionLabelChoice {
  /** Appended to the dataset id, so the same folder opened with other lesion labels is another dataset. */
  idSuffix: string;
  /** Absent when no label map holds a non-zero value. */
  choices?: DataChoices;
}

/**
 * `present`: the non-zero values found in the dataset's label maps; `chosen`: the lesion labels
 * asked for (absent = every non-zero value); `labelled`: whether the dataset has label maps at all
 * (a chosen label can only be missing from maps that exist).
 */
export function lesionLabelChoice(
  root: string,
  present: ReadonlySet<number>,
  chosen: readonly number[] | undefined,
  labelled: boolean,
): LesionLabelChoice {
  const values = [...present].sort((a, b) => a - b);
  const absent = chosen?.find((v) => !present.has(v));
  if (absent !== undefined && labelled)
    fail(
      'bad-input',
      root,
      `no voxel of any label map has label ${absent} (labels present: ${values.join(', ') || 'none'})`,
      'Choose lesion labels among those present',
    );
  const lesion = chosen?.length ? [...new Set(chosen)].sort((a, b) => a - b) : undefined;
  return {
    idSuffix: lesion ? `:labels=${lesion.join(',')}` : '',
    ...(values.length ? { choices: { labels: values.map((value) => ({ value })), ...(lesion ? { lesionLabels: lesion } : {}) } } : {}),
  };
}
