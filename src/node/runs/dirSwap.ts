import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** The file written last into a swapped directory: its presence marks the directory complete. */
export const COMPLETE_MARK = 'state.json';

const OLD_PREFIX = '.old-';

/**
 * Replaces directory `target` as a unit: `fill` writes every file into a fresh temp directory
 * beside it, then two renames swap it in. A crash before the swap leaves the old directory
 * untouched; a crash between the renames leaves the old one under `.old-<name>-*`, which
 * `resolveSwappedDir` finds.
 */
export async function replaceDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.tmp-${base}-${tag}`);
  const old = path.join(parent, `${OLD_PREFIX}${base}-${tag}`);
  await fsp.mkdir(tmp, { recursive: false });
  try {
    await fill(tmp);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const hadOld = fs.existsSync(target);
  if (hadOld) await fsp.rename(target, old);
  await fsp.rename(tmp, target);
  if (hadOld) await fsp.rm(old, { recursive: true, force: true });
  await removeStale(parent, base);
}

/** Leftovers of interrupted swaps (temp dirs; old dirs once a complete target exists). */
async function removeStale(parent: string, base: string): Promise<void> {
  for (const name of await fsp.readdir(parent)) {
    if (name.startsWith(`.tmp-${base}-`) || name.startsWith(`${OLD_PREFIX}${base}-`)) {
      await fsp.rm(path.join(parent, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * The complete version of a swapped directory: the target itself, or the previous one when a
 * crash hit between the two renames. Undefined when there is none.
 */
export function resolveSwappedDir(target: string): string | undefined {
  if (fs.existsSync(path.join(target, COMPLETE_MARK))) return target;
  const parent = path.dirname(target);
  const base = path.basename(target);
  if (!fs.existsSync(parent)) return undefined;
  const olds = fs
    .readdirSync(parent)
    .filter((n) => n.startsWith(`${OLD_PREFIX}${base}-`) && fs.existsSync(path.join(parent, n, COMPLETE_MARK)));
  return olds.length ? path.join(parent, olds[0]) : undefined;
}
