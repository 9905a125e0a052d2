/**
 * Deep validation of an opened dataset: every slice of every case is decoded once, so a truncated
 * or corrupt file is refused at open (naming the file) instead of failing later at slice fetch or
 * in training. Content that decodes but is unfit for training is reported per file: NaN/Inf
 * voxels, and cases whose image is one constant value (an all-zero volume, a blank export).
 */
import * as path from 'node:path';
import type { Dataset, DataIssue } from '../../shared/data/types.js';
import type { CountStep, IProgress } from '../../shared/progress.js';
import { fail } from '../../shared/data/fail.js';
import { StudioError } from '../../shared/errors.js';

export interface ValidateOptions {
  progress?: IProgress<CountStep>;
  signal?: AbortSignal;
}

/** `file#3` (a slice of a volume or frame of a multi-frame file) -> `file`. */
function fileOf(source: string): string {
  const k = source.lastIndexOf('#');
  return k > 0 && /^\d+$/.test(source.slice(k + 1)) ? source.slice(0, k) : source;
}

/** Decodes every slice; throws the first decode error, returns the content issues found. */
export async function validateDataset(ds: Dataset, opts: ValidateOptions = {}): Promise<DataIssue[]> {
  const issues: DataIssue[] = [];
  const total = ds.cases.reduce((a, c) => a + c.sliceCount, 0);
  let done = 0;
  for (const c of ds.cases) {
    // Readers decode synchronously: yield once per case so a cancel message can arrive.
    await new Promise<void>((r) => setImmediate(r));
    if (opts.signal?.aborted) fail('cancelled', ds.root, 'checking the data was cancelled', 'Open the data again to check it');
    let slices;
    try {
      slices = await ds.slices(c.id);
    } catch (e) {
      if (e instanceof StudioError) throw e;
      // A reader bug or a parser exception must still name the case, never surface as a stack.
      fail(
        'bad-file',
        ds.root,
        `could not decode case ${c.id} (${e instanceof Error ? e.message : String(e)})`,
        'A file of this case is truncated or damaged; export it again',
      );
    }
    if (slices.length !== c.sliceCount)
      fail(
        'bad-file',
        ds.root,
        `case ${c.id} decoded to ${slices.length} slices, its header says ${c.sliceCount}`,
        'A file of this case is truncated or damaged; export it again',
      );
    const nonFinite = new Map<string, number>();
    let min = Infinity,
      max = -Infinity;
    for (const s of slices) {
      let bad = s.nonFinite ?? 0;
      const img = s.image;
      for (let i = 0; i < img.length; i++) {
        const v = img[i];
        if (!Number.isFinite(v)) {
          bad++;
          continue;
        }
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (bad) nonFinite.set(fileOf(s.source), (nonFinite.get(fileOf(s.source)) ?? 0) + bad);
      done++;
    }
    for (const [file, n] of nonFinite) {
      issues.push({
        kind: 'non-finite',
        caseId: c.id,
        file,
        detail: `${n} NaN/Inf voxel${n === 1 ? '' : 's'} (stored as 0; they would bias normalisation and training)`,
      });
    }
    if (slices.length > 0 && min === max) {
      const files = new Set(slices.map((s) => fileOf(s.source)));
      const file = files.size === 1 ? [...files][0] : path.dirname([...files][0]);
      issues.push({
        kind: 'constant',
        caseId: c.id,
        file,
        detail: `every voxel of the image is ${min} (a blank volume carries nothing to learn from)`,
      });
    }
    opts.progress?.report({ task: 'Checking every slice', done, total, item: c.id });
  }
  return issues;
}

/** The sentence a warning list shows for an issue. */
export function describeIssue(i: DataIssue): string {
  return `${i.file}: ${i.detail}`;
}
