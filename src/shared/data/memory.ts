import type { CaseInfo, Dataset, DatasetFormat, Slice } from './types.js';
import { fail } from './fail.js';

/** Case summary computed from its decoded slices. */
export function caseInfoFromSlices(id: string, patientId: string, slices: Slice[]): CaseInfo {
  const first = slices[0];
  let lesionSlices = 0;
  for (const s of slices) if (s.mask && s.mask.some((v) => v !== 0)) lesionSlices++;
  return {
    id,
    patientId,
    sliceCount: slices.length,
    width: first?.width ?? 0,
    height: first?.height ?? 0,
    channels: first?.channels ?? 0,
    ...(first?.spacing ? { spacing: first.spacing } : {}),
    ...(first?.sliceThickness !== undefined ? { sliceThickness: first.sliceThickness } : {}),
    hasMask: slices.length > 0 && slices.every((s) => s.mask !== undefined),
    lesionSlices,
  };
}

/** A Dataset whose slices are already decoded and held in memory. */
export function datasetFromSlices(
  format: DatasetFormat,
  root: string,
  id: string,
  cases: Array<{ info: CaseInfo; slices: Slice[] }>,
): Dataset {
  const byId = new Map(cases.map((c) => [c.info.id, c.slices]));
  return {
    format,
    root,
    id,
    cases: cases.map((c) => c.info),
    async slices(caseId: string) {
      const s = byId.get(caseId);
      if (!s) fail('not-found', root, `no case "${caseId}" in this dataset`, 'Use one of the case ids listed by inspect');
      return s;
    },
  };
}
