/**
 * Reusing another experiment's trained runs (`--reuse-runs DIR`, `Plan.reuseRunsFrom`): a cell
 * whose training config equals a completed run's in DIR (`sameTraining`) takes that run instead
 * of training, so an ablation of the sweep (BatchNorm re-estimation, other levels, another
 * scorer) compares the very networks of the original experiment. The run is linked into this
 * experiment's runs/ (hard links; a copy across file systems), without its sweeps: this folder
 * stays self-contained and the source folder is only read. Every file of a run is replaced by a
 * rename, never written in place, so a hard-linked file never changes under either folder.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StudioError } from '../../shared/errors';
import { sameTraining, type RunConfig } from '../../shared/run/config';
import type { RunRecord } from '../../shared/run/record';
import { resolveSwappedDir } from '../runs/dirSwap';
import { RunStore } from '../runs/store';

/** The newest completed run under `runsRoot` that trained with `config`; undefined when none did. */
export async function findReusableRun(runsRoot: string, config: RunConfig): Promise<RunRecord | undefined> {
  const { runs } = await new RunStore(runsRoot).list();
  return runs.find((r) => r.status === 'completed' && sameTraining(r.config, config));
}

async function linkTree(from: string, to: string): Promise<void> {
  await fsp.mkdir(to);
  for (const ent of await fsp.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, ent.name);
    const dst = path.join(to, ent.name);
    if (ent.isDirectory()) await linkTree(src, dst);
    else await fsp.link(src, dst).catch(() => fsp.copyFile(src, dst));
  }
}

/**
 * Puts run `run` of `fromRoot` into `toRoot` under the same id: run.json, the final model and
 * the last checkpoint, not the sweeps. Assembled in a temp folder and renamed into place, so a
 * crash leaves either nothing or the whole run. An identical run already there is kept.
 */
export async function linkRun(fromRoot: string, run: RunRecord, toRoot: string): Promise<RunRecord> {
  const from = new RunStore(fromRoot).paths(run.id);
  const target = new RunStore(toRoot);
  const there = await target.open(run.id).catch(() => undefined);
  if (there?.status === 'completed' && sameTraining(there.config, run.config)) return there;
  const tmp = path.join(toRoot, `.tmp-reuse-${run.id}-${randomBytes(4).toString('hex')}`);
  await fsp.mkdir(toRoot, { recursive: true });
  try {
    await fsp.mkdir(tmp);
    await fsp.copyFile(from.record, path.join(tmp, 'run.json'));
    for (const base of [from.model, from.checkpoint]) {
      const dir = resolveSwappedDir(base);
      if (dir) await linkTree(dir, path.join(tmp, path.basename(base)));
    }
    await fsp.rename(tmp, target.paths(run.id).dir);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw new StudioError({
      code: 'bad-file',
      file: from.dir,
      what: `Run ${run.id} could not be taken into ${toRoot} (${e instanceof Error ? e.message : String(e)})`,
      hint: 'Check that the folder is writable, or run without --reuse-runs to train the cell',
    });
  }
  return target.open(run.id);
}
