import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaseInfo, Dataset, ReadLimits, Slice } from '../../shared/data/types.js';
import { decodeNifti, readNiftiGeometry, type NiftiGeometry, type NiftiVolume } from '../../shared/data/nifti.js';
import { binarizeMask } from '../../shared/data/mask.js';
import { fail } from '../../shared/data/fail.js';
import { lesionLabelChoice } from '../../shared/data/lesionLabels.js';
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

export function stripNii(name: string): string {
  return name.replace(NII, '');
}
export function isLabelName(name: string): boolean {
  const b = stripNii(name);
  return LABEL_SUFFIXES.some((s) => b.toLowerCase().endsWith(s));
}

/** Header only (first 64 KiB of the file, gunzipped as far as needed): fast scans of big folders. */
export function loadNiftiGeometry(file: string, size: number, limits: ReadLimits): NiftiGeometry {
  if (size > limits.maxFileBytes)
    fail(
      'too-large',
      file,
      `the file is ${size} bytes, over the limit of ${limits.maxFileBytes}`,
      'Raise the per-file size limit if the file is genuine',
    );
  return readNiftiGeometry(readHead(file, 65536), file, {
    maxSide: limits.maxSide,
    maxVoxels: limits.maxVoxels,
    maxBytes: limits.maxFileBytes * 8,
  });
}

export function loadNifti(file: string, limits: ReadLimits): NiftiVolume {
  return decodeNifti(readFileLimited(file, limits), file, {
    maxSide: limits.maxSide,
    maxVoxels: limits.maxVoxels,
    maxBytes: limits.maxFileBytes * 8,
  });
}

/** Per-slice masks of a label volume; `maps` (the integer labels) when it is a label map. */
export interface LabelSlices {
  masks: Uint8Array[];
  maps?: Uint16Array[];
  /** Non-zero label values present (label maps only). */
  values: Set<number>;
}

/**
 * A label volume as per-slice masks, after checking it matches the image grid. A binary volume
 * (0/1 or 0/255) is a mask as it is; any other integer volume is a label map: its `lesion` values
 * (default: every non-zero one) make the mask and the map is kept for the colour table. Soft
 * (non-integer) volumes are refused.
 */
export function labelVolumeSlices(
  label: NiftiVolume,
  labelFile: string,
  shape: { width: number; height: number; depth: number },
  imageFile: string,
  lesion?: number[],
): LabelSlices {
  if (label.width !== shape.width || label.height !== shape.height || label.depth !== shape.depth) {
    fail(
      'mismatch',
      labelFile,
      `label volume is ${label.width}x${label.height}x${label.depth} but the image is ${shape.width}x${shape.height}x${shape.depth} (${path.basename(imageFile)})`,
      'Use the label volume that was drawn on this image',
    );
  }
  const n = label.width * label.height;
  const values = new Set<number>();
  for (const v of label.data) {
    if (v === 0 || values.has(v)) continue;
    if (!Number.isInteger(v) || v < 0 || v > 65535)
      fail(
        'bad-file',
        labelFile,
        `voxel value ${v} is not a label (labels are integers 0..65535; masks 0 and 1)`,
        'Use the integer label volume, not a probability map or an image; threshold soft masks first',
      );
    values.add(v);
  }
  const binary = values.size === 0 || (values.size === 1 && (values.has(1) || values.has(255)));
  if (binary && !lesion?.length) {
    const masks: Uint8Array[] = [];
    for (let k = 0; k < label.depth; k++) masks.push(binarizeMask(label.data.subarray(k * n, (k + 1) * n), 1, labelFile));
    return { masks, values: new Set() };
  }
  const want = lesion?.length ? new Set(lesion) : undefined;
  const masks: Uint8Array[] = [];
  const maps: Uint16Array[] = [];
  for (let k = 0; k < label.depth; k++) {
    const m = new Uint8Array(n);
    const map = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const x = label.data[k * n + i];
      map[i] = x;
      m[i] = (want ? want.has(x) : x !== 0) ? 1 : 0;
    }
    masks.push(m);
    maps.push(map);
  }
  return { masks, maps, values };
}

/** Per-slice binary masks of a label volume (see labelVolumeSlices). */
export function labelMasks(
  label: NiftiVolume,
  labelFile: string,
  shape: { width: number; height: number; depth: number },
  imageFile: string,
): Uint8Array[] {
  return labelVolumeSlices(label, labelFile, shape, imageFile).masks;
}

export function volumeSlices(
  caseId: string,
  vol: NiftiVolume,
  masks: Uint8Array[] | undefined,
  file: string,
  maps?: Uint16Array[],
): Slice[] {
  const n = vol.width * vol.height;
  const window = autoWindow(vol.data);
  const out: Slice[] = [];
  for (let k = 0; k < vol.depth; k++) {
    out.push({
      caseId,
      index: k,
      width: vol.width,
      height: vol.height,
      channels: 1,
      image: vol.data.slice(k * n, (k + 1) * n),
      ...(masks ? { mask: masks[k] } : {}),
      ...(maps ? { labels: maps[k] } : {}),
      spacing: vol.spacing,
      sliceThickness: vol.sliceThickness,
      orientation: [...STUDIO_AXIAL],
      window,
      source: `${file}#${k}`,
      ...(vol.nonFinite?.[k] ? { nonFinite: vol.nonFinite[k] } : {}),
    });
  }
  return out;
}

function findLabel(image: string, available: Set<string>): string | undefined {
  const base = stripNii(image);
  for (const s of LABEL_SUFFIXES)
    for (const ext of ['.nii.gz', '.nii']) {
      const p = `${base}${s}${ext}`;
      if (available.has(p) || (available.size === 0 && fs.existsSync(p))) return p;
    }
  return undefined;
}

/** `labels`: the values of integer label maps that count as lesion (default every non-zero). */
export function readNiftiPath(root: string, limits: ReadLimits, opts: { labels?: number[] } = {}): Dataset {
  const files = scanFiles(root, limits, (n) => NII.test(n));
  if (files.length === 0) fail('not-found', root, 'no .nii or .nii.gz files found', 'Point to a NIfTI-1 volume or a folder of them');
  const single = files.length === 1 && files[0].path === root;
  const all = new Set(single ? [] : files.map((f) => f.path));
  const images = files
    .filter((f) => !isLabelName(path.basename(f.path)))
    .map((f) => f.path)
    .sort(naturalCompare);
  if (images.length === 0)
    fail('not-found', root, 'only label volumes found', 'Add the image volumes next to their `_mask`/`_seg`/`_label` files');
  const sizes = new Map(files.map((f) => [f.path, f.size]));
  const pairs = images.map((img) => ({ img, label: findLabel(img, all) }));
  const labelled = new Set(pairs.map((p) => p.label).filter(Boolean));
  const orphan = files.find((f) => isLabelName(path.basename(f.path)) && !labelled.has(f.path) && !single);
  if (orphan)
    fail(
      'mismatch',
      orphan.path,
      'label volume without image volume',
      'Name the label `<image>_mask.nii.gz` (or _seg/_label) next to its image',
    );
  const cases: CaseInfo[] = [];
  const seen = new Map<string, number>();
  const byId = new Map<string, { img: string; label?: string }>();
  const values = new Set<number>();
  for (const p of pairs) {
    let id = stripNii(path.basename(p.img));
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    if (k) id = `${id}#${k + 1}`;
    byId.set(id, p);
    // Images: header only; labels are decoded (small, and needed to count lesion slices).
    const vol = loadNiftiGeometry(p.img, sizes.get(p.img) ?? 0, limits);
    let lesionSlices = 0;
    if (p.label) {
      const l = labelVolumeSlices(loadNifti(p.label, limits), p.label, vol, p.img, opts.labels);
      for (const m of l.masks) if (m.some((v) => v)) lesionSlices++;
      for (const v of l.values) values.add(v);
    }
    cases.push({
      id,
      patientId: id,
      sliceCount: vol.depth,
      width: vol.width,
      height: vol.height,
      channels: 1,
      spacing: vol.spacing,
      sliceThickness: vol.sliceThickness,
      hasMask: !!p.label,
      lesionSlices,
    });
  }
  const label = lesionLabelChoice(
    root,
    values,
    opts.labels,
    pairs.some((p) => p.label),
  );
  return {
    format: 'nifti',
    root,
    id: `nifti:${path.resolve(root)}${label.idSuffix}`,
    cases,
    ...(label.choices ? { choices: label.choices } : {}),
    async slices(caseId) {
      const p = byId.get(caseId);
      if (!p) fail('not-found', root, `no case "${caseId}" in this dataset`, 'Use one of the case ids listed by inspect');
      const vol = loadNifti(p.img, limits);
      const l = p.label ? labelVolumeSlices(loadNifti(p.label, limits), p.label, vol, p.img, opts.labels) : undefined;
      return volumeSlices(caseId, vol, l?.masks, p.img, l?.maps);
    },
  };
}
