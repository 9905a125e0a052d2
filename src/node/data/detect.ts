import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetFormat, ReadLimits, SkippedFile } from '../../shared/data/types.js';
import { isDicom } from '../../shared/data/dicom.js';
import { isPng } from '../../shared/data/png.js';
import { isTiff } from '../../shared/data/tiff.js';
import { isGzip } from '../../shared/data/inflate.js';
import { isNiftiBytes } from '../../shared/data/nifti.js';
import { fail } from '../../shared/data/fail.js';
import { readHead, scanFiles } from './read.js';
import { isBrats, isDecathlon } from './layouts.js';

/**
 * Format of a file (by magic bytes) or folder (by what it holds, in this order: LGG TIFFs,
 * DICOM files, NIfTI volumes, PNG images). A folder mixing formats is read as the first found;
 * `skippedFiles` lists what the others were.
 */
export function detectFormat(p: string, limits: ReadLimits): DatasetFormat {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return fail('not-found', p, 'the path does not exist', 'Check the path');
  }
  if (st.isFile()) {
    const head = readHead(p, 348);
    if (isDicom(head)) return 'dicom';
    if (isGzip(head) || isNiftiBytes(head)) {
      if (/\.nii(\.gz)?$/i.test(p)) return 'nifti';
      fail('unsupported', p, 'gzip file that is not named .nii.gz', 'Only NIfTI volumes (.nii.gz) may be compressed');
    }
    if (isPng(head)) return 'png';
    if (isTiff(head)) return 'lgg';
    if (/\.nii$/i.test(p)) return 'nifti'; // lets the NIfTI decoder name what is wrong with it
    if (/\.dcm$/i.test(p)) return 'dicom';
    return fail(
      'unsupported',
      p,
      'unrecognised file format (not DICOM, NIfTI-1, PNG or TIFF)',
      'Use DICOM, NIfTI-1 (.nii/.nii.gz), PNG, or the LGG TIFF layout',
    );
  }
  const files = scanFiles(p, limits);
  if (files.length === 0) fail('not-found', p, 'the folder is empty', 'Point to a folder that holds the images');
  const names = files.map((f) => path.basename(f.path));
  if (names.some((n) => /_\d+_mask\.tiff?$/i.test(n)) || names.some((n) => /\.tiff?$/i.test(n))) return 'lgg';
  // DICOM before NIfTI/PNG: a series folder may hold its mask.nii.gz or masks/*.png.
  if (files.some((f) => isDicom(readHead(f.path, 132)))) return 'dicom';
  // Multi-file NIfTI layouts before single volumes: their files would otherwise be read one by one.
  if (isDecathlon(p)) return 'decathlon';
  if (isBrats(names)) return 'brats';
  if (names.some((n) => /\.nii(\.gz)?$/i.test(n))) return 'nifti';
  if (names.some((n) => /\.png$/i.test(n))) return 'png';
  return fail(
    'not-found',
    p,
    `no images found among ${files.length} files (no DICOM, NIfTI, PNG or TIFF)`,
    'Point to a folder of DICOM, NIfTI-1, PNG or LGG TIFF files',
  );
}

type Kind = 'lgg' | 'dicom' | 'nifti' | 'png' | 'other';

function kindOf(file: string): Kind {
  const name = path.basename(file);
  if (/\.tiff?$/i.test(name)) return 'lgg';
  if (/\.nii(\.gz)?$/i.test(name)) return 'nifti';
  if (/\.png$/i.test(name)) return 'png';
  return isDicom(readHead(file, 132)) ? 'dicom' : 'other';
}

const NAMES: Record<Kind, string> = { lgg: 'TIFF', dicom: 'DICOM', nifti: 'NIfTI', png: 'PNG', other: '' };

/** True for the files a DICOM series folder uses as its masks (see readDicomPath). */
function isDicomMask(file: string, kind: Kind): boolean {
  const name = path.basename(file).toLowerCase();
  if (kind === 'nifti') return /^(mask|labels|label|seg)\.nii(\.gz)?$/.test(name);
  return kind === 'png' && path.basename(path.dirname(file)) === 'masks';
}

/**
 * The files of a folder that a reader of `format` leaves out, with the reason, so that a folder
 * mixing formats says what it loaded and what it did not instead of silently ignoring the rest.
 */
export function skippedFiles(root: string, format: DatasetFormat, limits: ReadLimits): SkippedFile[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch {
    return [];
  }
  if (!st.isDirectory()) return [];
  const out: SkippedFile[] = [];
  for (const f of scanFiles(
    root,
    limits,
    () => true,
    (file, reason) => out.push({ file, reason }),
  )) {
    const kind = kindOf(f.path);
    if (kind === format) continue;
    if (format === 'dicom' && isDicomMask(f.path, kind)) continue;
    out.push({
      file: f.path,
      reason:
        kind === 'other'
          ? 'not an image file the studio reads (DICOM, NIfTI-1, PNG or TIFF)'
          : `${NAMES[kind]} file in a folder read as ${NAMES[format as Kind] ?? format}; open it (or its folder) separately`,
    });
  }
  return out;
}
