/**
 * Orientation markers of a 2-D slice from its direction cosines (DICOM ImageOrientationPatient,
 * LPS patient axes): the letter of the patient direction each screen edge points to. As radiology
 * viewers do, an oblique direction gets up to two letters, strongest first ("LA"), when its
 * second component is at least half the first's... here: above 0.3 of the vector.
 */
const POS = ['L', 'P', 'S'];
const NEG = ['R', 'A', 'I'];

export function directionLabel(v: readonly number[]): string {
  const parts = [0, 1, 2].map((i) => ({ i, m: Math.abs(v[i]), s: v[i] >= 0 })).sort((a, b) => b.m - a.m);
  return parts
    .filter((p, k) => k === 0 || p.m > 0.3)
    .slice(0, 2)
    .map((p) => (p.s ? POS : NEG)[p.i])
    .join('');
}

export interface EdgeLabels {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

/** `o` = row cosines (direction of increasing column) then column cosines (increasing row). */
export function edgeLabels(o: readonly number[]): EdgeLabels {
  const row = o.slice(0, 3),
    col = o.slice(3, 6);
  return {
    right: directionLabel(row),
    left: directionLabel(row.map((x) => -x)),
    bottom: directionLabel(col),
    top: directionLabel(col.map((x) => -x)),
  };
}

/** The studio's slice convention for reoriented volumes (NIfTI): columns to the patient's left, rows to posterior. */
export const STUDIO_AXIAL: readonly number[] = [1, 0, 0, 0, 1, 0];
