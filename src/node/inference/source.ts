/**
 * Where a case came from, as far as writing a mask back over it needs: the NIfTI file whose
 * header the mask keeps, or the DICOM series (ordered as the reader orders its slices) whose
 * positions and direction cosines give the mask's world geometry and whose images a SEG references.
 */
import * as path from 'node:path';
import type { Dataset } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import { scanDicomSeries, sliceNormal, type DicomSeries } from '../data/dicom';
import { limitsOf, readFileLimited } from '../data/read';

export type ScanSource =
  { kind: 'nifti'; file: string; bytes: Uint8Array } | { kind: 'dicom'; series: DicomSeries } | { kind: 'slices'; format: string };

export async function scanSource(ds: Dataset, caseId: string, firstSliceSource: string): Promise<ScanSource> {
  const limits = limitsOf();
  // Layouts are NIfTI volumes too: the mask keeps the header of the case's first channel file.
  if (ds.format === 'nifti' || ds.format === 'decathlon' || ds.format === 'brats') {
    const file = firstSliceSource.replace(/#\d+$/, '');
    return { kind: 'nifti', file, bytes: readFileLimited(file, limits) };
  }
  if (ds.format === 'dicom') {
    const series = scanDicomSeries(ds.root, limits).find((s) => s.uid === caseId);
    if (!series)
      throw new StudioError({
        code: 'not-found',
        file: ds.root,
        what: `series ${caseId} is no longer under this path`,
        hint: 'Check that the files were not moved while predicting',
      });
    return { kind: 'dicom', series };
  }
  return { kind: 'slices', format: ds.format };
}

export interface SeriesGeometry {
  /** Voxel (column, row, slice) to RAS mm, 3 rows of 4. */
  affine: number[][];
  /** Distance between slice centres (mm) from the positions; undefined for one slice. */
  sliceStep?: number;
}

const sub = (a: number[], b: number[]) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: number[]) => Math.hypot(a[0], a[1], a[2]);

/**
 * World geometry of an ordered single-orientation DICOM series. DICOM patient coordinates are
 * LPS; NIfTI's are RAS, so x and y change sign. Refuses series whose slices are not evenly spaced
 * (one affine cannot hold them).
 */
export function seriesGeometry(series: DicomSeries): SeriesGeometry | undefined {
  const e0 = series.entries[0];
  const g0 = e0.header.geometry[e0.frame];
  const sp = e0.header.pixelSpacing;
  if (!g0?.orientation || !g0.position || !sp) return undefined;
  const positions = series.entries.map((e) => e.header.geometry[e.frame]?.position);
  if (positions.some((p) => !p)) return undefined;
  const o = g0.orientation;
  const n = series.entries.length;
  let step: number[];
  let sliceStep: number | undefined;
  if (n > 1) {
    step = sub(positions[n - 1]!, positions[0]!).map((v) => v / (n - 1));
    sliceStep = norm(step);
    // Positions are stored to ~0.1 mm (DICOM decimal strings), so slices of an evenly spaced
    // series scatter slightly around the line; more than a tenth of a slice off is a real gap.
    for (let k = 1; k < n - 1; k++) {
      const off = norm(
        sub(
          positions[k]!,
          positions[0]!.map((v, i) => v + k * step[i]),
        ),
      );
      if (off > 0.1 * sliceStep) {
        throw new StudioError({
          code: 'unsupported',
          file: series.entries[k].file,
          what: `the slices of series ${series.uid} are not evenly spaced (slice ${k + 1} is ${off.toFixed(2)} mm off the line of the others, step ${sliceStep.toFixed(3)} mm)`,
          hint: 'Export a DICOM SEG (--format seg) for this series, or resample it to even spacing first',
        });
      }
    }
  } else {
    const t = e0.header.sliceThickness ?? 1;
    step = sliceNormal(o).map((v) => v * t);
  }
  const col = [o[0] * sp[1], o[1] * sp[1], o[2] * sp[1]]; // along a row: next column
  const row = [o[3] * sp[0], o[4] * sp[0], o[5] * sp[0]]; // down a column: next row
  const p = positions[0]!;
  const flip = [-1, -1, 1];
  const affine = [0, 1, 2].map((r) => [col[r] * flip[r], row[r] * flip[r], step[r] * flip[r], p[r] * flip[r]]);
  return { affine, ...(sliceStep !== undefined ? { sliceStep } : {}) };
}

export function sourceLabel(src: ScanSource): string {
  return src.kind === 'nifti' ? path.basename(src.file) : src.kind === 'dicom' ? `DICOM series ${src.series.uid}` : `${src.format} slices`;
}
