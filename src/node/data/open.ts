import { realpathSync } from 'node:fs';
import type { Dataset, DatasetFormat, DatasetSummary, ReadLimits } from '../../shared/data/types.js';
import type { CountStep, IProgress } from '../../shared/progress.js';
import { fail } from '../../shared/data/fail.js';
import { detectFormat, skippedFiles } from './detect.js';
import { describeIssue, validateDataset } from './validate.js';
import { readLgg } from './lgg.js';
import { readPngFolder } from './png.js';
import { readNiftiPath } from './nifti.js';
import { readDicomPath } from './dicom.js';
import { limitsOf } from './read.js';
import { loadDicomCodecs } from './codecs.js';
import { readLayout } from './layouts.js';
import { plural } from '../../shared/format/plural';
import { ACCEPT_DATA_ISSUES_HINT, type DataUse } from '../../shared/data/accept';

export interface OpenOptions {
  /** Force a format (lgg, png, nifti, dicom) instead of detecting it. */
  format?: string;
  limits?: Partial<ReadLimits>;
  /**
   * Read headers only (fast, for a first look at a big folder): truncated or corrupt pixel data,
   * NaN/Inf voxels and blank volumes are then NOT detected. Default false: every slice is decoded.
   */
  headersOnly?: boolean;
  /** Decathlon/nnU-Net and BraTS layouts: channel order and the label values that are lesion (see layouts.ts). */
  channels?: string[];
  labels?: number[];
  /** Reports the slice-by-slice check (not called with headersOnly). */
  progress?: IProgress<CountStep>;
  signal?: AbortSignal;
}

/** Opens a user path (file or folder) as a Dataset; every problem is a StudioError. */
export async function openDataset(p: string, opts: OpenOptions = {}): Promise<Dataset> {
  const limits = limitsOf(opts.limits);
  // Kernel pseudo-files hold no scans; reading them can block or leak machine state.
  let real = p;
  try {
    real = realpathSync(p);
  } catch {
    /* missing: detectFormat names it */
  }
  if (/^\/(proc|sys|dev)(\/|$)/.test(real))
    fail('bad-input', p, 'system folders (/proc, /sys, /dev) hold no scans and are not read', 'Point to a folder with images');
  const format = (opts.format ?? detectFormat(p, limits)) as DatasetFormat;
  const layout = format === 'decathlon' || format === 'brats';
  if ((opts.channels?.length && !layout) || (opts.labels?.length && !layout && format !== 'nifti' && format !== 'dicom')) {
    fail(
      'bad-input',
      p,
      `${opts.channels?.length && !layout ? 'channel choices apply to Decathlon/nnU-Net and BraTS layouts' : 'label choices apply to label volumes (NIfTI, or beside a DICOM series) and the Decathlon/nnU-Net and BraTS layouts'}; this is ${format} data`,
      'Leave the channels and labels out for this data set',
    );
  }
  let ds: Dataset;
  try {
    switch (format) {
      case 'lgg':
        ds = readLgg(p, limits);
        break;
      case 'png':
        ds = readPngFolder(p, limits);
        break;
      case 'nifti':
        ds = readNiftiPath(p, limits, opts.labels ? { labels: opts.labels } : {});
        break;
      case 'dicom':
        await loadDicomCodecs();
        ds = readDicomPath(p, limits, opts.labels ? { labels: opts.labels } : {});
        break;
      case 'decathlon':
      case 'brats':
        ds = readLayout(format, p, limits, {
          ...(opts.channels ? { channels: opts.channels } : {}),
          ...(opts.labels ? { labels: opts.labels } : {}),
        });
        break;
      default:
        return fail('bad-input', p, `unknown format ${String(format)}`, 'Use lgg, png, nifti or dicom');
    }
  } catch (e) {
    // A stack overflow in a third-party parser on a hostile file must still reach the user as a StudioError.
    if (e instanceof RangeError)
      fail('bad-file', p, `could not read the data (${e.message})`, 'A file is corrupt; check the files under this path');
    throw e;
  }
  if (ds.cases.length === 0) fail('not-found', p, 'no cases found', 'Point to a folder that holds the images');
  const skipped = format === 'decathlon' || format === 'brats' ? [] : skippedFiles(p, format, limits);
  const issues = opts.headersOnly ? [] : await validateDataset(ds, { progress: opts.progress, signal: opts.signal });
  ds.quality = { checked: opts.headersOnly ? 'headers' : 'pixels', issues, skipped };
  return ds;
}

/** What `var-studio inspect` prints and the app shows before training. */
export function summarize(ds: Dataset, warnings: string[] = []): DatasetSummary {
  const uniq = <T>(xs: T[]): T[] => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()];
  const withMask = ds.cases.filter((c) => c.hasMask).reduce((a, c) => a + c.sliceCount, 0);
  const sliceCount = ds.cases.reduce((a, c) => a + c.sliceCount, 0);
  const w = [...warnings];
  if (withMask < sliceCount)
    w.push(
      `${plural(sliceCount - withMask, 'slice')} ${sliceCount - withMask === 1 ? 'has' : 'have'} no mask: usable for inference only, not for training`,
    );
  if (new Set(ds.cases.map((c) => c.patientId)).size < 3)
    w.push('fewer than 3 patients: a train/val/test split by patient is not possible');
  // Generated data (phantoms) is known good: its quality is by construction, not by a check.
  const quality = ds.quality ?? { checked: 'pixels' as const, issues: [], skipped: [] };
  for (const i of quality.issues) w.push(describeIssue(i));
  if (quality.skipped.length)
    w.push(
      `${quality.skipped.length} file${quality.skipped.length === 1 ? '' : 's'} not loaded (see quality.skipped): ${[...new Set(quality.skipped.map((s) => s.reason))].join('; ')}`,
    );
  if (quality.checked === 'headers')
    w.push('headers only: pixel data was not decoded, so truncated files, NaN/Inf voxels and blank volumes were not checked');
  return {
    format: ds.format,
    root: ds.root,
    caseCount: ds.cases.length,
    sliceCount,
    channels: uniq(ds.cases.map((c) => c.channels)),
    shapes: uniq(ds.cases.map((c) => `${c.height}x${c.width}x${c.channels}`)),
    spacing: uniq(ds.cases.flatMap((c) => (c.spacing ? [c.spacing] : []))),
    masks: { withMask, withoutMask: sliceCount - withMask, lesionSlices: ds.cases.reduce((a, c) => a + c.lesionSlices, 0) },
    cases: ds.cases,
    warnings: w,
    quality,
    ...(ds.choices ? { choices: ds.choices } : {}),
  };
}

/**
 * Refuses a dataset whose content is unfit for training or prediction (NaN/Inf voxels, blank
 * volumes), unless the user accepted it. The same check and message for both uses; only the way
 * to accept differs.
 */
export function checkDataIssues(ds: Dataset, accepted: boolean, use: DataUse): void {
  const issues = ds.quality?.issues ?? [];
  if (issues.length === 0 || accepted) return;
  const first = issues[0];
  fail(
    'bad-input',
    first.file,
    `${first.detail}${issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''}: ${issues.slice(1, 4).map(describeIssue).join('; ')})` : ''}`,
    ACCEPT_DATA_ISSUES_HINT[use],
  );
}

/** Refuses a dataset whose content is unfit for training, unless the user accepted it. */
export function checkTrainable(ds: Dataset, accepted: boolean): void {
  checkDataIssues(ds, accepted, 'train');
}

export async function inspectPath(p: string, opts: OpenOptions = {}): Promise<DatasetSummary> {
  return summarize(await openDataset(p, opts));
}
