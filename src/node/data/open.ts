import type { Dataset, DatasetFormat, DatasetSummary, ReadLimits } from '../../shared/data/types.js';
import { fail } from '../../shared/data/fail.js';
import { detectFormat } from './detect.js';
import { readLgg } from './lgg.js';
import { readPngFolder } from './png.js';
import { readNiftiPath } from './nifti.js';
import { readDicomPath } from './dicom.js';
import { limitsOf } from './read.js';

export interface OpenOptions {
  /** Force a format (lgg, png, nifti, dicom) instead of detecting it. */
  format?: string;
  limits?: Partial<ReadLimits>;
}

/** Opens a user path (file or folder) as a Dataset; every problem is a StudioError. */
export async function openDataset(p: string, opts: OpenOptions = {}): Promise<Dataset> {
  const limits = limitsOf(opts.limits);
  const format = (opts.format ?? detectFormat(p, limits)) as DatasetFormat;
  let ds: Dataset;
  try {
    switch (format) {
      case 'lgg': ds = readLgg(p, limits); break;
      case 'png': ds = readPngFolder(p, limits); break;
      case 'nifti': ds = readNiftiPath(p, limits); break;
      case 'dicom': ds = readDicomPath(p, limits); break;
      default: return fail('bad-input', p, `unknown format ${String(format)}`, 'Use lgg, png, nifti or dicom');
    }
  } catch (e) {
    // A stack overflow in a third-party parser on a hostile file must still reach the user as a StudioError.
    if (e instanceof RangeError) fail('bad-file', p, `could not read the data (${e.message})`, 'A file is corrupt; check the files under this path');
    throw e;
  }
  if (ds.cases.length === 0) fail('not-found', p, 'no cases found', 'Point to a folder that holds the images');
  return ds;
}

/** What `var-studio inspect` prints and the app shows before training. */
export function summarize(ds: Dataset, warnings: string[] = []): DatasetSummary {
  const uniq = <T,>(xs: T[]): T[] => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()];
  const withMask = ds.cases.filter((c) => c.hasMask).reduce((a, c) => a + c.sliceCount, 0);
  const sliceCount = ds.cases.reduce((a, c) => a + c.sliceCount, 0);
  const w = [...warnings];
  if (withMask < sliceCount) w.push(`${sliceCount - withMask} slices have no mask: usable for inference only, not for training`);
  if (new Set(ds.cases.map((c) => c.patientId)).size < 3) w.push('fewer than 3 patients: a train/val/test split by patient is not possible');
  return {
    format: ds.format, root: ds.root, caseCount: ds.cases.length, sliceCount,
    channels: uniq(ds.cases.map((c) => c.channels)),
    shapes: uniq(ds.cases.map((c) => `${c.height}x${c.width}x${c.channels}`)),
    spacing: uniq(ds.cases.flatMap((c) => (c.spacing ? [c.spacing] : []))),
    masks: { withMask, withoutMask: sliceCount - withMask, lesionSlices: ds.cases.reduce((a, c) => a + c.lesionSlices, 0) },
    cases: ds.cases,
    warnings: w,
  };
}

export async function inspectPath(p: string, opts: OpenOptions = {}): Promise<DatasetSummary> {
  return summarize(await openDataset(p, opts));
}
