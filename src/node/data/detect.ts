import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetFormat, ReadLimits } from '../../shared/data/types.js';
import { isDicom } from '../../shared/data/dicom.js';
import { isPng } from '../../shared/data/png.js';
import { isTiff } from '../../shared/data/tiff.js';
import { isGzip } from '../../shared/data/inflate.js';
import { isNiftiBytes } from '../../shared/data/nifti.js';
import { fail } from '../../shared/data/fail.js';
import { readHead, scanFiles } from './read.js';

/**
 * Format of a file (by magic bytes) or folder (by what it holds, in this order: LGG TIFFs,
 * DICOM files, NIfTI volumes, PNG images). A folder mixing formats is read as the first found.
 */
export function detectFormat(p: string, limits: ReadLimits): DatasetFormat {
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { return fail('not-found', p, 'the path does not exist', 'Check the path'); }
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
    return fail('unsupported', p, 'unrecognised file format (not DICOM, NIfTI-1, PNG or TIFF)', 'Use DICOM, NIfTI-1 (.nii/.nii.gz), PNG, or the LGG TIFF layout');
  }
  const files = scanFiles(p, limits);
  if (files.length === 0) fail('not-found', p, 'the folder is empty', 'Point to a folder that holds the images');
  const names = files.map((f) => path.basename(f.path));
  if (names.some((n) => /_\d+_mask\.tiff?$/i.test(n)) || names.some((n) => /\.tiff?$/i.test(n))) return 'lgg';
  // DICOM before NIfTI/PNG: a series folder may hold its mask.nii.gz or masks/*.png.
  if (files.some((f) => isDicom(readHead(f.path, 132)))) return 'dicom';
  if (names.some((n) => /\.nii(\.gz)?$/i.test(n))) return 'nifti';
  if (names.some((n) => /\.png$/i.test(n))) return 'png';
  return fail('not-found', p, `no images found among ${files.length} files (no DICOM, NIfTI, PNG or TIFF)`, 'Point to a folder of DICOM, NIfTI-1, PNG or LGG TIFF files');
}
