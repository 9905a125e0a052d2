import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaseInfo, Dataset, ReadLimits, Slice } from '../../shared/data/types.js';
import { decodeDicom, isDicom, type DicomImage } from '../../shared/data/dicom.js';
import { decodePng } from '../../shared/data/png.js';
import { binarizeMask } from '../../shared/data/mask.js';
import { fail } from '../../shared/data/fail.js';
import { lesionLabelChoice } from '../../shared/data/lesionLabels.js';
import { chooseWindow } from '../../shared/data/window.js';
import { naturalCompare, readFileLimited, readHead, scanFiles } from './read.js';
import { labelVolumeSlices, loadNifti } from './nifti.js';

/**
 * DICOM series: every Part-10 file under the path (any file name), grouped by SeriesInstanceUID,
 * one case per series. Slices (frames of multi-frame files included) are ordered by
 * ImagePositionPatient projected on the slice normal (row x column cosines), i.e. inferior ->
 * superior for axial series; without position/orientation, by InstanceNumber then file name.
 *
 * Masks, looked up in the folder of the series' first file:
 *  - a label volume `mask.nii(.gz)`, `labels.nii(.gz)`, `label.nii(.gz)` or `seg.nii(.gz)`, read in
 *    the NIfTI slice convention (it must be cols x rows x slices of the series; this matches an
 *    axial series exported by dcm2niix or similar), or
 *  - a `masks/` folder with `<InstanceNumber>.png` per slice (`<InstanceNumber>_<frame>.png`,
 *    frame from 1, for multi-frame files). Slices without a PNG have no mask.
 */
const LABEL_NAMES = ['mask', 'labels', 'label', 'seg'].flatMap((n) => [`${n}.nii.gz`, `${n}.nii`]);

export interface Entry {
  file: string;
  frame: number;
  header: DicomImage;
  order: number;
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function sliceNormal(o: number[]): [number, number, number] {
  return [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
}

export function orderSeries(entries: Entry[]): Entry[] {
  const o = entries[0].header.geometry[entries[0].frame]?.orientation;
  const all = o && entries.every((e) => e.header.geometry[e.frame]?.position);
  if (o && all) {
    const n = sliceNormal(o);
    for (const e of entries) e.order = dot(e.header.geometry[e.frame].position!, n);
    return entries.sort((a, b) => a.order - b.order || naturalCompare(a.file, b.file) || a.frame - b.frame);
  }
  return entries.sort(
    (a, b) => (a.header.instanceNumber ?? 0) - (b.header.instanceNumber ?? 0) || naturalCompare(a.file, b.file) || a.frame - b.frame,
  );
}

function decodeOpts(limits: ReadLimits, pixels: boolean) {
  return { pixels, maxSide: limits.maxSide, maxVoxels: limits.maxVoxels, maxBytes: limits.maxFileBytes * 8 };
}

export interface DicomSeries {
  uid: string;
  entries: Entry[];
  folder: string;
}

export function scanDicomSeries(root: string, limits: ReadLimits): DicomSeries[] {
  const files = scanFiles(root, limits).filter((f) => f.path === root || isDicom(readHead(f.path, 132)));
  if (files.length === 0)
    fail('not-found', root, 'no DICOM files found (no file with the "DICM" marker)', 'Point to a folder of DICOM Part-10 files');
  const byUid = new Map<string, Entry[]>();
  for (const f of files) {
    const header = decodeDicom(readFileLimited(f.path, limits), f.path, decodeOpts(limits, false));
    const list = byUid.get(header.seriesUid) ?? [];
    for (let k = 0; k < header.frameCount; k++) list.push({ file: f.path, frame: k, header, order: 0 });
    byUid.set(header.seriesUid, list);
  }
  const out: DicomSeries[] = [];
  for (const [uid, entries] of byUid) {
    const h0 = entries[0].header;
    const odd = entries.find(
      (e) => e.header.rows !== h0.rows || e.header.cols !== h0.cols || e.header.samplesPerPixel !== h0.samplesPerPixel,
    );
    if (odd)
      fail(
        'mismatch',
        odd.file,
        `mixed series: ${odd.header.cols}x${odd.header.rows} image in series ${uid} whose other images are ${h0.cols}x${h0.rows}`,
        'Keep one acquisition per series; move the odd files to their own folder',
      );
    out.push({ uid, entries: orderSeries(entries), folder: path.dirname(entries[0].file) });
  }
  return out.sort((a, b) => naturalCompare(a.entries[0].file, b.entries[0].file));
}

interface SeriesMasks {
  masks: Array<Uint8Array | undefined>;
  /** Integer label maps, when the label volume is one (see labelVolumeSlices). */
  maps?: Uint16Array[];
  values: Set<number>;
}

function findMasks(series: DicomSeries, limits: ReadLimits, lesion?: number[]): SeriesMasks | undefined {
  const h = series.entries[0].header;
  for (const name of LABEL_NAMES) {
    const p = path.join(series.folder, name);
    if (!fs.existsSync(p)) continue;
    return labelVolumeSlices(
      loadNifti(p, limits),
      p,
      { width: h.cols, height: h.rows, depth: series.entries.length },
      series.entries[0].file,
      lesion,
    );
  }
  const dir = path.join(series.folder, 'masks');
  if (!fs.existsSync(dir)) return undefined;
  if (lesion?.length)
    fail('bad-input', dir, 'lesion labels are chosen for label volumes; PNG masks are binary', 'Leave the labels out for this series');
  return {
    values: new Set(),
    masks: series.entries.map((e) => {
      const inst = e.header.instanceNumber;
      if (inst === undefined) return undefined;
      const p = path.join(dir, e.header.frameCount > 1 ? `${inst}_${e.frame + 1}.png` : `${inst}.png`);
      if (!fs.existsSync(p)) return undefined;
      const m = decodePng(readFileLimited(p, limits), p, {
        maxSide: limits.maxSide,
        maxVoxels: limits.maxVoxels,
        maxBytes: limits.maxFileBytes * 4,
      });
      if (m.width !== h.cols || m.height !== h.rows)
        fail(
          'mismatch',
          p,
          `mask is ${m.width}x${m.height} but the image is ${h.cols}x${h.rows}`,
          'Image and mask of a slice must have the same size',
        );
      return binarizeMask(m.data, m.channels, p);
    }),
  };
}

/** `labels`: the values of a label volume beside the series that count as lesion (default every non-zero). */
export function readDicomPath(root: string, limits: ReadLimits, opts: { labels?: number[] } = {}): Dataset {
  const series = scanDicomSeries(root, limits);
  const cases: CaseInfo[] = [];
  const byId = new Map<string, DicomSeries>();
  const values = new Set<number>();
  let labelled = false;
  for (const s of series) {
    const h = s.entries[0].header;
    const found = findMasks(s, limits, opts.labels);
    const masks = found?.masks;
    if (found) labelled = true;
    for (const v of found?.values ?? []) values.add(v);
    byId.set(s.uid, s);
    cases.push({
      id: s.uid,
      patientId: h.patientId,
      sliceCount: s.entries.length,
      width: h.cols,
      height: h.rows,
      channels: h.samplesPerPixel,
      ...(h.pixelSpacing ? { spacing: h.pixelSpacing } : {}),
      ...(h.sliceThickness !== undefined ? { sliceThickness: h.sliceThickness } : {}),
      hasMask: !!masks && masks.every((m) => m),
      lesionSlices: masks ? masks.filter((m) => m?.some((v) => v)).length : 0,
    });
  }
  const label = lesionLabelChoice(root, values, opts.labels, labelled);
  return {
    format: 'dicom',
    root,
    id: `dicom:${path.resolve(root)}${label.idSuffix}`,
    cases,
    ...(label.choices ? { choices: label.choices } : {}),
    async slices(caseId) {
      const s = byId.get(caseId);
      if (!s) fail('not-found', root, `no series "${caseId}" in this dataset`, 'Use one of the case ids listed by inspect');
      const found = findMasks(s, limits, opts.labels);
      const masks = found?.masks;
      const decoded = new Map<string, DicomImage>();
      return s.entries.map((e, k): Slice => {
        let img = decoded.get(e.file);
        if (!img) {
          img = decodeDicom(readFileLimited(e.file, limits), e.file, decodeOpts(limits, true));
          decoded.set(e.file, img);
        }
        const pixels = img.frames[e.frame];
        const mask = masks?.[k];
        return {
          caseId,
          index: k,
          width: img.cols,
          height: img.rows,
          channels: img.samplesPerPixel,
          image: pixels,
          ...(mask ? { mask } : {}),
          ...(found?.maps ? { labels: found.maps[k] } : {}),
          ...(img.pixelSpacing ? { spacing: img.pixelSpacing } : {}),
          ...(img.sliceThickness !== undefined ? { sliceThickness: img.sliceThickness } : {}),
          ...(img.geometry[e.frame]?.orientation ? { orientation: [...img.geometry[e.frame].orientation!] } : {}),
          window: chooseWindow(img.windowCenter, img.windowWidth, pixels),
          source: img.frameCount > 1 ? `${e.file}#${e.frame}` : e.file,
        };
      });
    },
  };
}
