/**
 * Standard multi-file dataset layouts, read as multi-channel NIfTI cases:
 *
 * - Medical Segmentation Decathlon / nnU-Net: `dataset.json` with `channel_names` (nnU-Net v2) or
 *   `modality` (MSD), `labels`; `imagesTr/<case>_0000.nii.gz`, `_0001`… one file per channel;
 *   `labelsTr/<case>.nii.gz` integer labels; `imagesTs/` cases without labels. MSD's 4-D
 *   single-file images (`imagesTr/<case>.nii.gz` with 4 volumes) are refused by the NIfTI reader
 *   with a message; nnU-Net's split-channel form is what is read.
 * - BraTS style: one folder per case with `<case>_<modality>.nii.gz` (t1, t1ce, t2, flair; also
 *   BraTS 2023 t1n, t1c, t2w, t2f) and `<case>_seg.nii.gz`.
 *
 * Channels: in the layout's order (dataset.json's channel numbers; for BraTS t1, t1ce, t2, flair)
 * unless `channels` names them in another order (a subset is allowed). Masks: integer label maps;
 * `labels` says which values are foreground (e.g. BraTS whole tumour = 1, 2, 4 (or 1, 2, 3 in
 * 2023)); default every non-zero label. The choice is part of the run config (`data.channels`,
 * `data.labels`), so it is stored in the run record and the model card.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaseInfo, Dataset, ReadLimits, Slice } from '../../shared/data/types.js';
import { BRATS_LABEL_NAMES, type LabelInfo } from '../../shared/data/labelMap.js';
import { fail } from '../../shared/data/fail.js';
import { autoWindow } from '../../shared/data/window.js';
import { STUDIO_AXIAL } from '../../shared/data/orientation.js';
import { loadNifti, loadNiftiGeometry } from './nifti.js';
import { naturalCompare } from './read.js';

export interface LayoutOptions {
  /** Channel names in the order the model gets them (default: the layout's order). */
  channels?: string[];
  /** Label values that count as lesion (default: every non-zero value). */
  labels?: number[];
}

interface LayoutCase {
  id: string;
  /** One file per channel, in the chosen channel order. */
  images: string[];
  label?: string;
}

const NII = /\.nii(\.gz)?$/i;
const BRATS_ORDER = ['t1', 't1ce', 't2', 'flair', 't1n', 't1c', 't2w', 't2f'];
const BRATS_RE = /^(.*)[_-](t1|t1ce|t1gd|t2|flair|t1n|t1c|t2w|t2f|seg)\.nii(\.gz)?$/i;

export function isDecathlon(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'dataset.json')) && fs.existsSync(path.join(dir, 'imagesTr'));
}

export function isBrats(names: string[]): boolean {
  return names.some((n) => /[_-](flair|t2f)\.nii(\.gz)?$/i.test(n)) && names.some((n) => /[_-](t1|t1n)\.nii(\.gz)?$/i.test(n));
}

function order(available: string[], wanted: string[] | undefined, where: string): string[] {
  if (!wanted?.length) return available;
  const missing = wanted.find((w) => !available.includes(w));
  if (missing)
    fail('bad-input', where, `no channel "${missing}" (the layout has ${available.join(', ')})`, 'Name channels as the layout does');
  return wanted;
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail('bad-file', file, `not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'Fix dataset.json');
  }
}

/** Decathlon / nnU-Net: channel names by index from dataset.json, cases from imagesTr (+ imagesTs). */
function decathlonCases(
  root: string,
  opts: LayoutOptions,
): { cases: LayoutCase[]; channels: string[]; labelNames: Record<string, string> } {
  const meta = readJson(path.join(root, 'dataset.json'));
  const names = (meta.channel_names ?? meta.modality) as Record<string, string> | undefined;
  if (!names || typeof names !== 'object')
    fail(
      'bad-file',
      path.join(root, 'dataset.json'),
      'no "channel_names" (nnU-Net) or "modality" (MSD)',
      'Add the channel names, e.g. {"0": "FLAIR"}',
    );
  const byIndex = Object.entries(names)
    .map(([k, v]) => [Number(k), String(v)] as const)
    .sort((a, b) => a[0] - b[0]);
  const all = byIndex.map(([, v]) => v);
  const chosen = order(all, opts.channels, path.join(root, 'dataset.json'));
  const idx = chosen.map((c) => byIndex[all.indexOf(c)][0]);
  const rawLabels = (meta.labels ?? {}) as Record<string, unknown>;
  const labelNames: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawLabels)) {
    // nnU-Net v2: {"background": 0, "edema": 1}; MSD: {"0": "background", "1": "edema"}.
    if (typeof v === 'number') labelNames[String(v)] = k;
    else if (Array.isArray(v))
      labelNames[v.join(',')] = k; // nnU-Net regions
    else labelNames[k] = String(v);
  }
  const cases: LayoutCase[] = [];
  for (const [imgDir, lblDir] of [
    ['imagesTr', 'labelsTr'],
    ['imagesTs', 'labelsTs'],
  ] as const) {
    const dir = path.join(root, imgDir);
    if (!fs.existsSync(dir)) continue;
    const files = fs.readdirSync(dir).filter((n) => NII.test(n) && !n.startsWith('.'));
    const ids = [...new Set(files.map((n) => /^(.*)_(\d{4})\.nii(\.gz)?$/i.exec(n)?.[1]).filter((x): x is string => !!x))].sort(
      naturalCompare,
    );
    if (ids.length === 0 && files.length)
      fail(
        'unsupported',
        dir,
        'images without the _0000 channel suffix (4-D MSD volumes?)',
        'Split the channels into <case>_0000.nii.gz, <case>_0001.nii.gz… as nnU-Net does',
      );
    for (const id of ids) {
      const images = idx.map((i) => {
        const stem = `${id}_${String(i).padStart(4, '0')}`;
        const f = [`${stem}.nii.gz`, `${stem}.nii`].map((n) => path.join(dir, n)).find((p) => fs.existsSync(p));
        if (!f)
          fail(
            'not-found',
            path.join(dir, `${stem}.nii.gz`),
            `case ${id} has no channel ${i} (${all[byIndex.findIndex((b) => b[0] === i)]})`,
            'Every case needs one file per channel in dataset.json',
          );
        return f;
      });
      const label = [`${id}.nii.gz`, `${id}.nii`].map((n) => path.join(root, lblDir, n)).find((p) => fs.existsSync(p));
      cases.push({ id, images, ...(label ? { label } : {}) });
    }
  }
  return { cases, channels: chosen, labelNames };
}

/** BraTS: every folder (or the root) holding <case>_<modality>.nii.gz files. */
function bratsCases(root: string, opts: LayoutOptions): { cases: LayoutCase[]; channels: string[] } {
  const groups = new Map<string, Map<string, string>>();
  const walk = (dir: string, depth: number) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => naturalCompare(a.name, b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 2) walk(p, depth + 1);
      const m = e.isFile() ? BRATS_RE.exec(e.name) : null;
      if (m) {
        const g = groups.get(m[1]) ?? new Map<string, string>();
        g.set(m[2].toLowerCase() === 't1gd' ? 't1ce' : m[2].toLowerCase(), p);
        groups.set(m[1], g);
      }
    }
  };
  walk(root, 0);
  const present = BRATS_ORDER.filter((m) => [...groups.values()].some((g) => g.has(m)));
  const chosen = order(present, opts.channels, root);
  const cases: LayoutCase[] = [];
  for (const [id, g] of [...groups.entries()].sort((a, b) => naturalCompare(a[0], b[0]))) {
    const missing = chosen.find((c) => !g.has(c));
    if (missing)
      fail(
        'not-found',
        root,
        `case ${id} has no ${missing} volume`,
        'Every case needs the same modalities, or choose the channels every case has',
      );
    cases.push({ id, images: chosen.map((c) => g.get(c)!), ...(g.has('seg') ? { label: g.get('seg')! } : {}) });
  }
  return { cases, channels: chosen };
}

/** Integer label volume -> per-slice label maps, and 0/1 masks of the chosen labels. */
function labelSlices(
  file: string,
  limits: ReadLimits,
  labels: number[] | undefined,
  shape: { width: number; height: number; depth: number },
): { masks: Uint8Array[]; maps: Uint16Array[]; values: Set<number> } {
  const v = loadNifti(file, limits);
  if (v.width !== shape.width || v.height !== shape.height || v.depth !== shape.depth)
    fail(
      'mismatch',
      file,
      `label volume is ${v.width}x${v.height}x${v.depth}, the image ${shape.width}x${shape.height}x${shape.depth}`,
      'Use the label drawn on this image',
    );
  const want = labels?.length ? new Set(labels) : undefined;
  const n = v.width * v.height;
  const masks: Uint8Array[] = [];
  const maps: Uint16Array[] = [];
  const values = new Set<number>();
  for (let k = 0; k < v.depth; k++) {
    const m = new Uint8Array(n);
    const map = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const x = Math.round(v.data[k * n + i]);
      if (x < 0 || x > 65535 || !Number.isFinite(x))
        fail(
          'bad-file',
          file,
          `voxel value ${v.data[k * n + i]} is not a label (labels are integers 0..65535)`,
          'Use the integer label volume, not a probability map or an image',
        );
      map[i] = x;
      if (x !== 0) values.add(x);
      m[i] = (want ? want.has(x) : x !== 0) ? 1 : 0;
    }
    masks.push(m);
    maps.push(map);
  }
  return { masks, maps, values };
}

export function readLayout(kind: 'decathlon' | 'brats', root: string, limits: ReadLimits, opts: LayoutOptions = {}): Dataset {
  const found = kind === 'decathlon' ? decathlonCases(root, opts) : { ...bratsCases(root, opts), labelNames: undefined };
  const { cases: list, channels } = found;
  if (list.length === 0)
    fail(
      'not-found',
      root,
      `no cases found in the ${kind === 'decathlon' ? 'Decathlon/nnU-Net' : 'BraTS'} layout`,
      'Check the folder names and file suffixes',
    );
  const infos: CaseInfo[] = [];
  const byId = new Map(list.map((c) => [c.id, c]));
  const values = new Set<number>();
  for (const c of list) {
    const g = c.images.map((f) => loadNiftiGeometry(f, fs.statSync(f).size, limits));
    const odd = g.findIndex((x) => x.width !== g[0].width || x.height !== g[0].height || x.depth !== g[0].depth);
    if (odd > 0)
      fail(
        'mismatch',
        c.images[odd],
        `channel ${channels[odd]} is ${g[odd].width}x${g[odd].height}x${g[odd].depth}, channel ${channels[0]} ${g[0].width}x${g[0].height}x${g[0].depth}`,
        'All channels of a case must be on one grid (co-registered)',
      );
    let lesionSlices = 0;
    if (c.label) {
      const l = labelSlices(c.label, limits, opts.labels, g[0]);
      for (const m of l.masks) if (m.some((v) => v)) lesionSlices++;
      for (const v of l.values) values.add(v);
    }
    infos.push({
      id: c.id,
      patientId: c.id,
      sliceCount: g[0].depth,
      width: g[0].width,
      height: g[0].height,
      channels: channels.length,
      spacing: g[0].spacing,
      sliceThickness: g[0].sliceThickness,
      hasMask: !!c.label,
      lesionSlices,
    });
  }
  const present = [...values].sort((a, b) => a - b);
  const absent = opts.labels?.find((l) => !values.has(l));
  if (absent !== undefined && list.some((c) => c.label)) {
    fail(
      'bad-input',
      root,
      `no voxel of any label map has label ${absent} (labels present: ${present.join(', ') || 'none'})`,
      'Choose lesion labels among those present',
    );
  }
  const names: Record<string, string> = found.labelNames ?? Object.fromEntries(Object.entries(BRATS_LABEL_NAMES).map(([k, v]) => [k, v]));
  const labelInfo: LabelInfo[] = present.map((value) => ({ value, ...(names[String(value)] ? { name: names[String(value)] } : {}) }));
  const labelKey = opts.labels?.length ? `:labels=${[...opts.labels].sort((a, b) => a - b).join(',')}` : '';
  return {
    format: kind,
    root,
    id: `${kind}:${path.resolve(root)}:channels=${channels.join(',')}${labelKey}`,
    cases: infos,
    choices: {
      channels,
      availableChannels: layoutChannels(kind, root),
      ...(labelInfo.length ? { labels: labelInfo } : {}),
      ...(opts.labels?.length ? { lesionLabels: [...new Set(opts.labels)].sort((a, b) => a - b) } : {}),
    },
    async slices(caseId) {
      const c = byId.get(caseId);
      if (!c) fail('not-found', root, `no case "${caseId}" in this dataset`, 'Use one of the case ids listed by inspect');
      const vols = c.images.map((f) => loadNifti(f, limits));
      const v0 = vols[0];
      const l = c.label ? labelSlices(c.label, limits, opts.labels, v0) : undefined;
      const n = v0.width * v0.height,
        C = vols.length;
      const window = autoWindow(v0.data);
      return Array.from({ length: v0.depth }, (_, k): Slice => {
        const image = new Float32Array(n * C);
        for (let ch = 0; ch < C; ch++) {
          const d = vols[ch].data;
          for (let i = 0; i < n; i++) image[i * C + ch] = d[k * n + i];
        }
        return {
          caseId,
          index: k,
          width: v0.width,
          height: v0.height,
          channels: C,
          image,
          ...(l ? { mask: l.masks[k], labels: l.maps[k] } : {}),
          spacing: v0.spacing,
          sliceThickness: v0.sliceThickness,
          orientation: [...STUDIO_AXIAL],
          window,
          source: `${c.images[0]}#${k}`,
        };
      });
    },
  };
}

/** The channel names a layout folder offers, in its order (for the UI and `inspect`). */
export function layoutChannels(kind: 'decathlon' | 'brats', root: string): string[] {
  return kind === 'decathlon' ? decathlonCases(root, {}).channels : bratsCases(root, {}).channels;
}
