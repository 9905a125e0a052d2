/**
 * Exports are atomic as a set: kill -9 during placement leaves every output folder either the
 * complete previous export or the complete new one, and recovery (the job host at once, or the next
 * start) undoes a placement cut short at any point, leaving no staging folder behind; a cancel
 * during placement puts the previous set back. Destinations are checked before any work.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkDestinations,
  createStaging,
  placeStaged,
  recoverPendingStaging,
  recoverStaging,
  STAGING_PREFIX,
} from '../../../../src/node/export/staging';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'export-atomic-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const CHILD = path.resolve('test/unit/fixtures/place-child.ts');
const N = 6;

/** Runs the child; kills it with SIGKILL `delayMs` after it announces placement (or lets it finish). */
function place(parent: string, tag: string, delayMs: number | null): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, parent, tag, String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (delayMs !== null && out.includes('PLACING')) {
        if (delayMs === 0) child.kill('SIGKILL');
        else setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve({ killed: true }) : code === 0 ? resolve({ killed: false }) : reject(new Error(`child exit ${code}`)),
    );
  });
}

/** The previous export, placed in this process. */
async function placeOld(parent: string): Promise<void> {
  const stage = await createStaging(parent);
  const targets = Array.from({ length: N }, (_, i) => ({
    format: 'onnx' as const,
    dir: path.join(parent, `0.9-onnx-w${i}`),
    name: `0.9-onnx-w${i}`,
  }));
  for (const t of targets) {
    fs.mkdirSync(path.join(stage, t.name));
    for (const f of ['model.onnx', 'model-card.json', 'MODEL_CARD.md']) fs.writeFileSync(path.join(stage, t.name, f), `old:${f}`);
  }
  await placeStaged(stage, targets);
}

/** Tag of each output folder: which export it holds, checked to be complete and unmixed. */
function state(parent: string): (string | null)[] {
  return Array.from({ length: N }, (_, i) => {
    const dir = path.join(parent, `0.9-onnx-w${i}`);
    if (!fs.existsSync(dir)) return null;
    const files = fs.readdirSync(dir).sort();
    expect(files, `${dir} must hold a complete export`).toEqual(['MODEL_CARD.md', 'model-card.json', 'model.onnx']);
    const tags = new Set(files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').split(':')[0]));
    expect(tags.size, `${dir} must not mix two exports`).toBe(1);
    return [...tags][0];
  });
}

const stagingIn = (parent: string) => fs.readdirSync(parent).filter((n) => n.startsWith(STAGING_PREFIX));

describe('export placement under kill -9', () => {
  it('leaves each folder old-or-new, and recovery makes the set whole', async () => {
    const outcomes = new Set<string>();
    for (const delay of [0, 1, 2, 4, 8]) {
      const parent = path.join(root, `kill-${outcomes.size}-${delay}-${Math.random().toString(36).slice(2, 6)}`);
      await placeOld(parent);
      expect(state(parent)).toEqual(Array(N).fill('old'));
      const { killed } = await place(parent, 'new', delay);
      // Straight after the kill: every folder is whole (old or new, or absent mid-swap).
      const after = state(parent);
      const got = await recoverStaging(parent);
      const final = state(parent);
      // After recovery: one export everywhere, no staging folder left; a placement cut short is undone.
      expect(new Set(final).size, `after recovery the set is one export (was ${after.join(',')})`).toBe(1);
      expect(final[0] === 'new' || final[0] === 'old').toBe(true);
      expect(stagingIn(parent)).toEqual([]);
      if (!killed) expect(final[0]).toBe('new');
      if (got.undone) expect(final[0]).toBe('old');
      outcomes.add(`${killed ? 'killed' : 'finished'}:${final[0]}:${got.undone ? 'undone' : got.removed ? 'removed' : 'none'}`);
    }
    // Where the kills landed varies with the machine's load; the states are checked one by one below.
    expect(outcomes.size).toBeGreaterThan(0);
  }, 120_000);

  it('recovery undoes a placement cut at every point (also while it was being undone), and keeps a committed one', async () => {
    const os_ = await import('node:os');
    // A pid above Linux's pid_max: its owner is certainly gone.
    const dead = `${STAGING_PREFIX}${os_.hostname()}-99999999-0badf00d`;
    // Each folder takes two renames to place (old out, new in) and two to undo (new back, old in).
    const placing = 2 * N;
    for (let cut = 0; cut <= 2 * placing + 2; cut++) {
      const parent = path.join(root, `cut-${cut}`);
      await placeOld(parent);
      const stage = path.join(parent, dead);
      fs.mkdirSync(stage);
      const items = Array.from({ length: N }, (_, i) => ({ name: `0.9-onnx-w${i}`, dir: path.join(parent, `0.9-onnx-w${i}`) }));
      for (const it of items) {
        fs.mkdirSync(path.join(stage, it.name));
        for (const f of ['model.onnx', 'model-card.json', 'MODEL_CARD.md']) fs.writeFileSync(path.join(stage, it.name, f), `new:${f}`);
      }
      const journaled = cut > 0;
      const committed = cut === 2 * placing + 2;
      if (journaled) fs.writeFileSync(path.join(stage, 'PLACE.json'), JSON.stringify({ items }));
      const steps = committed ? placing : cut - 1;
      for (let step = 0; step < Math.min(steps, placing); step++) {
        const i = Math.floor(step / 2);
        if (step % 2 === 0) fs.renameSync(items[i].dir, path.join(stage, `previous-${i}`));
        else fs.renameSync(path.join(stage, items[i].name), items[i].dir);
      }
      // Cut while undoing a complete placement (a cancel or recovery that was itself killed).
      for (let step = placing; step < steps; step++) {
        const i = N - 1 - Math.floor((step - placing) / 2);
        if ((step - placing) % 2 === 0) fs.renameSync(items[i].dir, path.join(stage, items[i].name));
        else fs.renameSync(path.join(stage, `previous-${i}`), items[i].dir);
      }
      if (committed) fs.rmSync(path.join(stage, 'PLACE.json'));
      await recoverStaging(parent);
      expect(state(parent), `cut ${cut}`).toEqual(Array(N).fill(committed ? 'new' : 'old'));
      expect(stagingIn(parent)).toEqual([]);
    }
    // A live owner's staging folder is left alone.
    const live = path.join(root, 'live');
    fs.mkdirSync(path.join(live, `${STAGING_PREFIX}${os_.hostname()}-${process.pid}-00000000`), { recursive: true });
    expect(await recoverStaging(live)).toEqual({ undone: 0, removed: 0 });
  });

  it('the next start finds a placement a killed process cut short in any output folder (noted in the studio home)', async () => {
    const home = path.join(root, 'home');
    const saved = process.env.VAR_STUDIO_HOME;
    process.env.VAR_STUDIO_HOME = home; // the child inherits it
    try {
      const parent = path.join(root, 'custom-out');
      await placeOld(parent);
      expect(fs.readdirSync(path.join(home, 'exports-pending'))).toEqual([]); // notes go with their staging folder
      const { killed } = await place(parent, 'new', 0);
      const noted = fs.readdirSync(path.join(home, 'exports-pending'));
      if (killed) expect(noted).toHaveLength(1);
      await recoverPendingStaging();
      expect(new Set(state(parent)).size).toBe(1);
      expect(stagingIn(parent)).toEqual([]);
      expect(fs.readdirSync(path.join(home, 'exports-pending'))).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.VAR_STUDIO_HOME;
      else process.env.VAR_STUDIO_HOME = saved;
    }
  }, 60_000);

  it('a cancel during placement puts the previous set back, wherever it lands', async () => {
    for (let at = 0; at < N; at++) {
      const parent = path.join(root, `cancel-${at}`);
      await placeOld(parent);
      const stage = await createStaging(parent);
      const targets = Array.from({ length: N }, (_, i) => ({
        format: 'onnx' as const,
        dir: path.join(parent, `0.9-onnx-w${i}`),
        name: `0.9-onnx-w${i}`,
      }));
      for (const t of targets) {
        fs.mkdirSync(path.join(stage, t.name));
        for (const f of ['model.onnx', 'model-card.json', 'MODEL_CARD.md']) fs.writeFileSync(path.join(stage, t.name, f), `new:${f}`);
      }
      const ctl = new AbortController();
      await expect(placeStaged(stage, targets, { signal: ctl.signal, onPlaced: (i) => i === at && ctl.abort() })).rejects.toMatchObject({
        code: 'cancelled',
        hint: expect.stringMatching(/previous export folders are back/),
      });
      expect(state(parent), `cancelled after folder ${at}`).toEqual(Array(N).fill('old'));
      expect(stagingIn(parent)).toEqual([]);
    }
  });

  it('checks destinations up front: system folders, a path under a file, foreign files', () => {
    const t = (dir: string) => [{ format: 'onnx' as const, dir, name: path.basename(dir) }];
    expect(() => checkDestinations(t('/proc/x/out'), false)).toThrow(/system folders/);
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(() => checkDestinations(t(path.join(file, 'sub', 'out')), false)).toThrow(
      expect.objectContaining({ code: 'bad-input', file, what: expect.stringMatching(/this is a file/) }),
    );
    const mine = path.join(root, 'mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'thesis.docx'), 'x');
    expect(() => checkDestinations(t(mine), true)).toThrow(/not part of an export/);
    fs.chmodSync(mine, 0o500);
    if (process.getuid?.() !== 0) expect(() => checkDestinations(t(path.join(mine, 'out')), false)).toThrow(/not writable/);
    fs.chmodSync(mine, 0o700);
    expect(checkDestinations(t(path.join(root, 'new', 'out')), false)).toBe(path.join(root, 'new'));
  });
});

describe('CLI errors', () => {
  it('turns any failure into what + hint, never a stack trace', async () => {
    const { toStudioError } = await import('../../../../src/main/cli/errors');
    const enotdir = Object.assign(new Error("ENOTDIR: not a directory, mkdir '/x/y'"), { code: 'ENOTDIR', path: '/x/y' });
    expect(toStudioError(enotdir)).toMatchObject({
      code: 'bad-input',
      file: '/x/y',
      what: expect.stringMatching(/is a file, not a folder/),
    });
    const bug = toStudioError(new TypeError('cannot read properties of undefined'));
    expect(bug).toMatchObject({ code: 'internal', what: expect.stringMatching(/^unexpected error: cannot read/) });
    expect(bug.what + bug.hint).not.toMatch(/\n\s+at /);
  });
});
