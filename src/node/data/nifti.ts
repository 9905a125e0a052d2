import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaseInfo, Dataset, ReadLimits, Slice } from '../../shared/data/types.js';
import { decodeNifti, readNiftiGeometry, type NiftiGeometry, type NiftiVolume } from '../../shared/data/nifti.js';
import { binarizeMask } from '../../shared/data/mask.js';
import { fail } from '../../shared/data/fail.js';
import { autoWindow } from '../../shared/data/window.js';
import { STUDIO_AXIAL } from '../../shared/data/orientation.js';
import { naturalCompare, readFileLimited, readHead, scanFiles } from './read.js';

/**
 * NIfTI-1 volumes: every `<name>.nii(.gz)` is a case; its label volume, if any, is
 * `<name>_mask`, `_seg`, `_label`, `_labels` or `_labels` with .nii or .nii.gz next to it.
 * Slices are the axial slices in the convention of decodeNifti (inferior -> superior).
 */
export const LABEL_SUFFIXES = ['_mask', '_seg', '_label', '_labels'];
const NII = /\.nii(\.gz)?$/i;

export function stripNii(name: string): string { return name.replace(NII, ''); }
export function isLabelName(name: string): boolean { const b = stripNii(name); return LABEL_SUFFIXES.some((s) => b.toLowerCase().endsWith(s)); }

/** Header only (first 64 KiB of the file, gunzipped as far as needed): fast scans of big folders. */
export function loadNiftiGeometry(file: string, size: number, limits: ReadLimits): NiftiGeometry {
  if (size > limits.maxFileBytes) fail('too-large', file, `the file is ${size} bytes, over the limit of ${limits.maxFileBytes}`, 'Raise the per-file size limit if the file is genuine');
  return readNiftiGeometry(readHead(file, 65536), file, { maxSide: limits.maxSide, maxVoxels: limits.maxVoxels, maxBytes: limits.maxFileBytes * 8 });
}

export function loadNifti(file: string, limits: ReadLimits): NiftiVolume {
  return decodeNifti(readFileLimited(file, limits), file, { maxSide: limits.maxSide, maxVoxels: limits.maxVoxels, maxBytes: limits.maxFileBytes * 8 });
}

/** Converts a label volume to per-slice binary masks after checking it matches the image grid. */
export function labelMasks(label: NiftiVolume, labelFile: string, shape: { width: number; height: number; depth: number }, imageFile: string): Uint8Array[] {
  if (label.width !== shape.width || label.height !== shape.height || label.depth !== shape.depth) {
    fail('mismatch', labelFile, `label volume is ${label.width}x${label.height}x${label.depth} but the image is ${shape.width}x${shape.height}x${shape.depth} (${path.basename(imageFile)})`, 'Use the label volume that was drawn on this image');
  }
  const n = label.width * label.height;
  const out: Uint8Array[] = [];
  for (let k = 0; k < label.depth; k++) out.push(binarizeMask(label.data.subarray(k * n, (k + 1) * n), 1, labelFile));
  return out;
}

export function volumeSlices(caseId: string, vol: NiftiVolume, masks: Uint8Array[] | undefined, file: string): Slice[] {
  const n = vol.width * vol.height;
  const window = autoWindow(vol.data);
  const out: Slice[] = [];
  for (let k = 0; k < vol.depth; k++) {
    out.push({ caseId, index: k, width: vol.width, height: vol.height, channels: 1, image: vol.data.slice(k * n, (k + 1) * n), ...(masks ? { mask: masks[k] } : {}), spacing: vol.spacing, sliceThickness: vol.sliceThickness, orientation: [...STUDIO_AXIAL], window, source: `${file}#${k}`, ...(vol.nonFinite?.[k] ? { nonFinite: vol.nonFinite[k] } : {}) });
  }
  return out;
}

function findLabel(image: string, available: Set<string>): string | undefined {
  const base = stripNii(image);
  for (const s of LABEL_SUFFIXES) for (const ext of ['.nii.gz', '.nii']) {
    const p = `${base}${s}${ext}`;
    if (available.has(p) || (available.size === 0 && fs.existsSync(p))) return p;
  }
  return undefined;
}

export function readNiftiPath(root: string, limits: ReadLimits): Dataset {
  const files = scanFiles(root, limits, (n) => NII.test(n));
  if (files.length === 0) fail('not-found', root, 'no .nii or .nii.gz files found', 'Point to a NIfTI-1 volume or a folder of them');
  const single = files.length === 1 && files[0].path === root;
  const all = new Set(single ? [] : files.map((f) => f.path));
  const images = files.filter((f) => !isLabelName(path.basename(f.path))).map((f) => f.path).sort(naturalCompare);
  if (images.length === 0) fail('not-found', root, 'only label volumes found', 'Add the image volumes next to their `_mask`/`_seg`/`_label` files');
  const sizes = new Map(files.map((f) => [f.path, f.size]));
  const pairs = images.map((img) => ({ img, label: findLabel(img, all) }));
  const labelled = new Set(pairs.map((p) => p.label).filter(Boolean));
  const orphan = files.find((f) => isLabelName(path.basename(f.path)) && !labelled.has(f.path) && !single);
  if (orphan) fail('mismatch', orphan.path, 'label volume without image volume', 'Name the label `<image>_mask.nii.gz` (or _seg/_label) next to its image');
  const cases: CaseInfo[] = [];
  const seen = new Map<string, number>();
  const byId = new Map<string, { img: string; label?: string }>();
  for (const p of pairs) {
    let id = stripNii(path.basename(p.img));
    const k = seen.get(id) ?? 0; seen.set(id, k + 1);
    if (k) id = `${id}#${k + 1}`;
    byId.set(id, p);
    // Images: header only; labels are decoded (small, and needed to count lesion slices).
    const vol = loadNiftiGeometry(p.img, sizes.get(p.img) ?? 0, limits);
    let lesionSlices = 0;
    if (p.label) for (const m of labelMasks(loadNifti(p.label, limits), p.label, vol, p.img)) if (m.some((v) => v)) lesionSlices++;
    cases.push({ id, patientId: id, sliceCount: vol.depth, width: vol.width, height: vol.height, channels: 1, spacing: vol.spacing, sliceThickness: vol.sliceThickness, hasMask: !!p.label, lesionSlices });
  }
  return {
    format: 'nifti', root, id: `nifti:${path.resolve(root)}`, cases,
    async slices(caseId) {
      const p = byId.get(caseId);
      if (!p) fail('not-found', root, `no case "${caseId}" in this dataset`, 'Use one of the case ids listed by inspect');
      const vol = loadNifti(p.img, limits);
      const masks = p.label ? labelMasks(loadNifti(p.label, limits), p.label, vol, p.img) : undefined;
      return volumeSlices(caseId, vol, masks, p.img);
    },
  };
}
