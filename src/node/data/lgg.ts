import * as path from 'node:path';
import type { CaseInfo, Dataset, ReadLimits, Slice } from '../../shared/data/types.js';
import { decodeTiff } from '../../shared/data/tiff.js';
import { binarizeMask, sliceMask } from '../../shared/data/mask.js';
import { fail } from '../../shared/data/fail.js';
import { readFileLimited, scanFiles } from './read.js';

/**
 * kaggle_3m LGG layout: one folder per case `TCGA_<inst>_<id>_<date>/`, slices
 * `<case>_<n>.tif` (RGB: pre-contrast, FLAIR, post-contrast) with `<case>_<n>_mask.tif`.
 * Slices are paired by file name and ordered by n numerically; patient = `TCGA_<inst>_<id>`.
 * A slice without mask file is kept without mask (inference only); a mask without image is an error.
 */
const IMG = /^(.+)_(\d+)\.tiff?$/i;
const MASK = /^(.+)_(\d+)_mask\.tiff?$/i;

export function isLggName(name: string): boolean {
  return MASK.test(name) || IMG.test(name);
}

interface LggSlice {
  n: number;
  image: string;
  mask?: string;
}

export function patientOfCase(caseId: string): string {
  const m = /^(TCGA_[A-Za-z0-9]+_[A-Za-z0-9]+)_/.exec(caseId);
  return m ? m[1] : caseId;
}

function readTiffSlice(file: string, limits: ReadLimits) {
  return decodeTiff(readFileLimited(file, limits), file, {
    maxSide: limits.maxSide,
    maxVoxels: limits.maxVoxels,
    maxBytes: limits.maxFileBytes * 4,
  });
}

export function loadLggSlice(caseId: string, index: number, s: LggSlice, limits: ReadLimits): Slice {
  const img = readTiffSlice(s.image, limits);
  const slice: Slice = {
    caseId,
    index,
    width: img.width,
    height: img.height,
    channels: img.channels,
    image: Float32Array.from(img.data),
    source: s.image,
  };
  if (s.mask) {
    slice.mask = sliceMask(readTiffSlice(s.mask, limits), img, s.mask);
  }
  return slice;
}

export function readLgg(root: string, limits: ReadLimits): Dataset {
  const files = scanFiles(root, limits, (n) => /\.tiff?$/i.test(n));
  if (files.length === 0) fail('not-found', root, 'no .tif files found', 'Point to a kaggle_3m folder with TCGA_* case folders');
  const byCase = new Map<string, Map<number, LggSlice>>();
  const masksOnly: string[] = [];
  for (const f of files) {
    const name = path.basename(f.path);
    const caseId = path.basename(path.dirname(f.path));
    const m = MASK.exec(name),
      i = m ? null : IMG.exec(name);
    if (!m && !i) continue;
    const n = Number((m ?? i)![2]);
    const slices = byCase.get(caseId) ?? new Map<number, LggSlice>();
    byCase.set(caseId, slices);
    const s = slices.get(n) ?? { n, image: '' };
    if (m) s.mask = f.path;
    else s.image = f.path;
    slices.set(n, s);
  }
  for (const slices of byCase.values()) for (const s of slices.values()) if (!s.image && s.mask) masksOnly.push(s.mask);
  if (masksOnly.length)
    fail(
      'mismatch',
      masksOnly[0],
      `mask without image (${masksOnly.length} in total)`,
      'Every `<case>_<n>_mask.tif` needs its `<case>_<n>.tif`; restore the image or remove the mask',
    );
  if (byCase.size === 0)
    fail('not-found', root, 'no LGG slices (`<case>_<n>.tif`) found', 'Point to a kaggle_3m folder with TCGA_* case folders');
  const order = new Map<string, LggSlice[]>();
  const cases: CaseInfo[] = [];
  for (const caseId of [...byCase.keys()].sort()) {
    const list = [...byCase.get(caseId)!.values()].sort((a, b) => a.n - b.n);
    order.set(caseId, list);
    // Headers come from the first slice; the masks are decoded to count lesion slices.
    const first = loadLggSlice(caseId, 0, list[0], limits);
    let lesionSlices = 0;
    for (const s of list) {
      if (!s.mask) continue;
      const m = readTiffSlice(s.mask, limits);
      if (m.width !== first.width || m.height !== first.height)
        fail(
          'mismatch',
          s.mask,
          `mask is ${m.width}x${m.height}, the case's images are ${first.width}x${first.height}`,
          'All slices of a case must have the same size',
        );
      if (binarizeMask(m.data, m.channels, s.mask).some((v) => v)) lesionSlices++;
    }
    cases.push({
      id: caseId,
      patientId: patientOfCase(caseId),
      sliceCount: list.length,
      width: first.width,
      height: first.height,
      channels: first.channels,
      hasMask: list.every((s) => s.mask),
      lesionSlices,
    });
  }
  return {
    format: 'lgg',
    root,
    id: `lgg:${path.resolve(root)}`,
    cases,
    async slices(caseId: string) {
      const list = order.get(caseId);
      if (!list) fail('not-found', root, `no case "${caseId}" in this dataset`, 'Use one of the case ids listed by inspect');
      const info = cases.find((c) => c.id === caseId)!;
      return list.map((s, k) => {
        const sl = loadLggSlice(caseId, k, s, limits);
        if (sl.width !== info.width || sl.height !== info.height || sl.channels !== info.channels)
          fail(
            'mismatch',
            s.image,
            `slice is ${sl.width}x${sl.height}x${sl.channels}, the case is ${info.width}x${info.height}x${info.channels}`,
            'All slices of a case must have the same size and channels',
          );
        return sl;
      });
    },
  };
}
