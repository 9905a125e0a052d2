import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaseInfo, Dataset, ReadLimits, Slice } from '../../shared/data/types.js';
import { decodePng } from '../../shared/data/png.js';
import { sliceMask } from '../../shared/data/mask.js';
import { fail } from '../../shared/data/fail.js';
import { naturalCompare, readFileLimited, scanFiles } from './read.js';

/**
 * PNG slices: `<name>.png` with mask `<name>_mask.png` in the same folder (8/16-bit, gray or RGB).
 * Case = folder + name prefix before a trailing `_<n>`/`-<n>` (e.g. `p01_3.png` -> case `p01`);
 * names without a trailing number form one case per folder. Slices are ordered naturally.
 * Patient = case (PNG sets carry no patient field; put one patient's cases in one folder name prefix).
 */
interface PngSlice {
  name: string;
  image: string;
  mask?: string;
}

function caseKey(rel: string, base: string): string {
  const m = /^(.*?)[_-]?(\d+)$/.exec(base);
  const prefix = m && m[1] ? m[1] : '';
  const dir = path.dirname(rel);
  const parts = [dir === '.' ? '' : dir, prefix].filter(Boolean);
  return parts.length ? parts.join('/') : 'case';
}

export function loadPngSlice(caseId: string, index: number, s: PngSlice, limits: ReadLimits): Slice {
  const lim = { maxSide: limits.maxSide, maxVoxels: limits.maxVoxels, maxBytes: limits.maxFileBytes * 4 };
  const img = decodePng(readFileLimited(s.image, limits), s.image, lim);
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
    slice.mask = sliceMask(decodePng(readFileLimited(s.mask, limits), s.mask, lim), img, s.mask);
  }
  return slice;
}

export function readPngFolder(root: string, limits: ReadLimits): Dataset {
  const files = scanFiles(root, limits, (n) => /\.png$/i.test(n));
  if (files.length === 0)
    fail('not-found', root, 'no .png files found', 'Point to a folder of `<name>.png` images with `<name>_mask.png` masks');
  const isFile = files.length === 1 && files[0].path === root;
  const baseDir = isFile ? path.dirname(root) : root;
  const all = new Set(files.map((f) => f.path));
  const byCase = new Map<string, PngSlice[]>();
  for (const f of files) {
    const name = path.basename(f.path, path.extname(f.path));
    if (/_mask$/i.test(name)) {
      const img = f.path.replace(/_mask(\.png)$/i, '$1');
      if (!all.has(img) && !isFile) fail('mismatch', f.path, 'mask without image', `Add ${path.basename(img)} or remove the mask`);
      continue;
    }
    const maskPath = path.join(path.dirname(f.path), `${name}_mask${path.extname(f.path)}`);
    const rel = path.relative(baseDir, f.path);
    const key = caseKey(rel, name);
    const list = byCase.get(key) ?? [];
    list.push({ name, image: f.path, ...(all.has(maskPath) || (isFile && exists(maskPath)) ? { mask: maskPath } : {}) });
    byCase.set(key, list);
  }
  if (byCase.size === 0) fail('not-found', root, 'only mask files found', 'Add the images `<name>.png` next to the masks');
  const order = new Map<string, PngSlice[]>();
  const cases: CaseInfo[] = [];
  for (const id of [...byCase.keys()].sort(naturalCompare)) {
    const list = byCase.get(id)!.sort((a, b) => naturalCompare(a.name, b.name));
    order.set(id, list);
    const loaded = list.map((s, k) => loadPngSlice(id, k, s, limits));
    const f0 = loaded[0];
    for (const s of loaded)
      if (s.width !== f0.width || s.height !== f0.height)
        fail(
          'mismatch',
          s.source,
          `slice is ${s.width}x${s.height}, other slices of case ${id} are ${f0.width}x${f0.height}`,
          'All slices of a case must have the same size',
        );
    cases.push({
      id,
      patientId: id,
      sliceCount: list.length,
      width: f0.width,
      height: f0.height,
      channels: f0.channels,
      hasMask: loaded.every((s) => s.mask),
      lesionSlices: loaded.filter((s) => s.mask?.some((v) => v)).length,
    });
  }
  return {
    format: 'png',
    root,
    id: `png:${path.resolve(root)}`,
    cases,
    async slices(caseId) {
      const list = order.get(caseId);
      if (!list) fail('not-found', root, `no case "${caseId}" in this dataset`, 'Use one of the case ids listed by inspect');
      return list.map((s, k) => loadPngSlice(caseId, k, s, limits));
    },
  };
}

function exists(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
