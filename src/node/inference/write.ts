/**
 * Mask files of a prediction, one folder per level: `<out>/level-<pct>/<case>.nii.gz`,
 * `<case>.seg.dcm` (DICOM sources), `<case>/slice-0001.png`…, and `<out>/predictions.json`.
 * Every file goes through the atomic writer; an existing file is refused unless `overwrite`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeLabelNifti, encodeLabelNiftiLike } from '../../shared/data/nifti-mask';
import { encodePng8 } from '../../shared/data/png';
import { StudioError } from '../../shared/errors';
import type { PredictFormat } from '../../shared/predict/config';
import type { PredictionSummary } from '../../shared/predict/result';
import { writeFileAtomic } from '../fs/atomic';
import type { CasePrediction, Prediction } from './predict';
import { encodeSeg } from './seg';

export const SUMMARY_FILE = 'predictions.json';

export function levelFolder(sparsity: number): string {
  return `level-${(sparsity * 100).toFixed(1).replace(/\.0$/, '')}`;
}

/** A file-system-safe, recognisable name for a case id (DICOM UIDs, file stems). */
export function caseFileName(caseId: string): string {
  const s = caseId
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 120);
  return s || 'case';
}

function niftiBytes(c: CasePrediction, mask: Uint8Array, description: string, warnings: string[]): Uint8Array {
  if (c.source.kind === 'nifti') return encodeLabelNiftiLike(c.source.bytes, mask, { description, file: c.source.file });
  const { width: W, height: H, depth: D } = c.info;
  if (c.geometry) return encodeLabelNifti(mask, [W, H, D], c.geometry.affine, { description });
  // No patient geometry (PNG/TIFF slices, DICOM without positions): pixel spacing only, in the
  // studio's display orientation (columns to the patient's left, rows to posterior).
  const [rs, cs] = c.info.spacing ?? [1, 1];
  const step = c.info.sliceStep ?? 1;
  warnings.push(
    `${c.info.source}: no patient position/orientation recorded; the NIfTI mask has the pixel spacing but no true world position`,
  );
  return encodeLabelNifti(
    mask,
    [W, H, D],
    [
      [-cs, 0, 0, 0],
      [0, -rs, 0, 0],
      [0, 0, step, 0],
    ],
    { description },
  );
}

export async function writePrediction(
  p: Prediction,
  outDir: string,
  formats: PredictFormat[],
  opts: { overwrite?: boolean; signal?: AbortSignal } = {},
): Promise<PredictionSummary> {
  const summary: PredictionSummary = structuredClone(p.summary);
  const warnings = summary.warnings;
  if (formats.includes('seg') && !p.cases.some((c) => c.source.kind === 'dicom')) {
    throw new StudioError({
      code: 'bad-input',
      file: summary.input,
      what: 'DICOM SEG needs a DICOM source series',
      hint: 'Use --format nifti (or png) for NIfTI and image inputs',
    });
  }
  const overwrite = !!opts.overwrite;
  if (!overwrite && fs.existsSync(path.join(outDir, SUMMARY_FILE))) {
    throw new StudioError({
      code: 'bad-input',
      file: outDir,
      what: 'this folder already holds a prediction',
      hint: 'Choose another output folder, or pass --force to replace its files',
    });
  }
  // A cancel while writing removes what this call created, so a cancelled prediction leaves no
  // half set of masks (files of an earlier prediction it replaced with --force cannot come back).
  const created: string[] = [];
  const mkdir = (d: string) => {
    const first = fs.mkdirSync(d, { recursive: true });
    if (first) created.push(first);
  };
  const put = async (file: string, bytes: Uint8Array) => {
    const fresh = !fs.existsSync(file);
    await writeFileAtomic(file, bytes, { overwrite });
    if (fresh) created.push(file);
  };
  const stopIfCancelled = () => {
    if (!opts.signal?.aborted) return;
    for (const f of created.reverse()) fs.rmSync(f, { recursive: true, force: true });
    throw new StudioError({
      code: 'cancelled',
      what: 'The prediction was cancelled while its masks were written; the files it had written were removed',
      hint: overwrite
        ? 'Masks of the earlier prediction it had already replaced are gone; run it again'
        : 'Start it again to get the masks',
    });
  };
  mkdir(outDir);
  const names = new Map<string, number>();
  for (const c of p.cases) {
    let name = caseFileName(c.info.caseId);
    const n = names.get(name) ?? 0;
    names.set(name, n + 1);
    if (n) name = `${name}-${n + 1}`;
    const info = summary.cases.find((x) => x.caseId === c.info.caseId)!;
    for (let li = 0; li < c.masks.length; li++) {
      stopIfCancelled();
      const mask = c.masks[li];
      const sparsity = summary.config.levels[li];
      const folder = levelFolder(sparsity);
      const dir = path.join(outDir, folder);
      mkdir(dir);
      const files = info.levels[li].files;
      const description = `VAR Studio lesion mask, run ${summary.runName}, sparsity ${+(sparsity * 100).toFixed(2)}%, threshold ${summary.config.threshold}`;
      if (formats.includes('nifti')) {
        const rel = path.join(folder, `${name}.nii.gz`);
        await put(path.join(outDir, rel), niftiBytes(c, mask, description, warnings));
        files.push({ format: 'nifti', path: rel });
      }
      if (formats.includes('seg') && c.source.kind === 'dicom') {
        const rel = path.join(folder, `${name}.seg.dcm`);
        const pct = `${+(sparsity * 100).toFixed(2)}%`;
        const bytes = encodeSeg(c.source.series, mask, {
          label: `Lesion (sparsity ${pct})`,
          algorithm: `VAR Studio ${summary.runName}`.slice(0, 64),
          seriesDescription: `Predicted lesion, sparsity ${pct}`,
        });
        await put(path.join(outDir, rel), bytes);
        files.push({ format: 'seg', path: rel });
      }
      if (formats.includes('png')) {
        const relDir = path.join(folder, name);
        mkdir(path.join(outDir, relDir));
        const { width: W, height: H, depth: D } = c.info;
        const img = new Uint8Array(W * H);
        for (let k = 0; k < D; k++) {
          for (let j = 0; j < W * H; j++) img[j] = mask[k * W * H + j] ? 255 : 0;
          stopIfCancelled();
          await put(path.join(outDir, relDir, `slice-${String(k + 1).padStart(4, '0')}.png`), encodePng8(img, W, H, 1));
        }
        files.push({ format: 'png', path: relDir });
      }
    }
  }
  stopIfCancelled();
  summary.warnings = [...new Set(warnings)];
  await writeFileAtomic(path.join(outDir, SUMMARY_FILE), JSON.stringify(summary, null, 2), { overwrite: true });
  return summary;
}
