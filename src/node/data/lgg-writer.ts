import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../../shared/data/types.js';
import { encodeTiff8 } from '../../shared/data/tiff.js';
import { fail } from '../../shared/data/fail.js';
import { writeFileAtomic } from '../fs/atomic.js';

/**
 * Writes a dataset (typically phantoms) in the kaggle_3m LGG layout: 8-bit RGB image TIFFs and
 * 8-bit 0/255 mask TIFFs, slices numbered from 1 as in the original set. Values are rounded and
 * clamped to 0..255; phantoms are 8-bit exact, so they round-trip unchanged.
 */
export async function writePhantomsAsLgg(
  ds: Dataset,
  dir: string,
  opts: { overwrite?: boolean; onCase?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<{ cases: number; slices: number; files: string[] }> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let slices = 0,
    done = 0;
  for (const c of ds.cases) {
    if (opts.signal?.aborted) fail('cancelled', dir, 'writing was cancelled', 'Run the command again to finish; existing files are kept');
    const caseId = /^TCGA_[A-Za-z0-9]+_[A-Za-z0-9]+_\d+$/.test(c.id) ? c.id : `TCGA_XX_${c.id.replace(/[^A-Za-z0-9]/g, '')}_20000101`;
    const caseDir = path.join(dir, caseId);
    fs.mkdirSync(caseDir, { recursive: true });
    for (const s of await ds.slices(c.id)) {
      if (s.channels !== 3 && s.channels !== 1)
        fail('unsupported', s.source, `cannot write ${s.channels}-channel slices as LGG`, 'Use 1- or 3-channel data');
      const n = s.width * s.height;
      const rgb = new Uint8Array(n * 3);
      for (let p = 0; p < n; p++)
        for (let k = 0; k < 3; k++) {
          const v = s.image[p * s.channels + (s.channels === 3 ? k : 0)];
          rgb[p * 3 + k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      const base = path.join(caseDir, `${caseId}_${s.index + 1}`);
      await writeFileAtomic(`${base}.tif`, encodeTiff8(rgb, s.width, s.height, 3), { overwrite: opts.overwrite });
      files.push(`${base}.tif`);
      const mask = new Uint8Array(n);
      if (s.mask) for (let p = 0; p < n; p++) mask[p] = s.mask[p] ? 255 : 0;
      await writeFileAtomic(`${base}_mask.tif`, encodeTiff8(mask, s.width, s.height, 1), { overwrite: opts.overwrite });
      files.push(`${base}_mask.tif`);
      slices++;
    }
    opts.onCase?.(++done, ds.cases.length);
  }
  return { cases: ds.cases.length, slices, files };
}
