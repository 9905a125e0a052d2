import { trainNewRun } from '../../../src/node/train/job';
import { tinyRunConfig } from './job';

/**
 * A completed tiny phantom run (16 px, width 1/4, 1 epoch) under `root`. The phantom set gives
 * 4 cases x 4 slices: 2 train cases, 1 val case, 1 test case.
 */
export async function trainTinyRun(root: string, name = 'sweep-tiny', backend: 'cpu' | 'wasm' = 'cpu'): Promise<string> {
  const rec = await trainNewRun(tinyRunConfig({ name, epochs: 1, backend }), { runsRoot: root });
  if (rec.status !== 'completed') throw new Error(`training failed: ${JSON.stringify(rec.error)}`);
  return rec.id;
}
