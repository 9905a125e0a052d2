import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type * as tf from '@tensorflow/tfjs';
import { trainNewRun } from '../../../src/node/train/job';
import { loadWeightsFile } from '../../../src/node/train/checkpoint';
import { buildModel } from '../../../src/shared/model/build';
import { pruneModel } from '../../../src/shared/prune';
import type { RunRecord } from '../../../src/shared/run/record';
import { tinyRunConfig } from './job';

/** A completed 1-epoch run (16x16 reference UNet, 8 phantom cases: 2 validation cases of 4 slices). */
export async function trainedRun(root: string, name = 'export-fixture'): Promise<{ record: RunRecord; runDir: string }> {
  const record = await trainNewRun(
    tinyRunConfig({
      name,
      epochs: 1,
      data: { kind: 'phantoms', count: 8, slicesPerCase: 4, size: 32, seed: 3 },
      split: { train: 0.5, val: 0.25, test: 0.25 },
    }),
    { runsRoot: root },
  );
  if (record.status !== 'completed') throw new Error(`fixture run ${record.status}: ${JSON.stringify(record.error)}`);
  return { record, runDir: path.join(root, record.id) };
}

/** The run's model pruned exactly as the export does, built independently of the export code. */
export async function prunedReference(record: RunRecord, runDir: string, sparsity: number): Promise<tf.LayersModel> {
  const m = buildModel(record.config.model);
  await loadWeightsFile(path.join(runDir, 'model', 'weights.bin'), m);
  await pruneModel(m, { sparsity, scope: 'global' });
  return m;
}

export const onDisk = (files: string[]) => ({
  bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0),
  gzip: files.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0),
});

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Every file below `dir`, relative, sorted. */
export function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}
