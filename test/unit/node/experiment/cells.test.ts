/**
 * Cells as the unit of work, on the `tiny` preset (2 cells): a serial local run (--jobs 1), the
 * same plan run cell by cell (--plan, --cell K, --collect, as a cluster does) and a parallel
 * local run (--jobs 2) give the same per-cell numbers. Collect lists a missing cell; a cell that
 * is done is not run again; a cell held by a live process is refused, a dead holder's lock is taken.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentCommand } from '../../../../src/main/cli/commands/experiment';
import type { CliIO } from '../../../../src/main/cli/types';
import { ResultsSchema, type Results } from '../../../../src/shared/experiment/results';
import { PlanSchema } from '../../../../src/shared/experiment/cells';
import { acquireCellLock } from '../../../../src/node/experiment/lock';
import { perCell } from '../../helpers/experiment';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'vs-cells-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false, signal: new AbortController().signal };
  return { io, out, err, text: () => [...out, ...err].join('\n') };
}

const run = async (args: string[]) => {
  const c = capture();
  const code = await experimentCommand.run(args, c.io);
  return { code, ...c };
};

const readResults = (dir: string): Results => ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')));

// Each test trains the tiny preset (two cells) from sources; on a loaded machine that takes minutes.
describe('experiment cells (tiny preset)', { timeout: 300_000 }, () => {
  const serial = join(tmp(), 'serial');
  const cells = join(tmp(), 'cells');

  it('a serial local run records each cell and the stage timings', async () => {
    const r = await run(['--preset', 'tiny', '--out', serial, '--jobs', '1']);
    expect(r.code, r.text()).toBe(0);
    const results = readResults(serial);
    expect(results.status).toBe('completed');
    expect(results.missing).toEqual([]);
    expect(results.runs).toHaveLength(2);
    const train = results.stages.find((s) => s.stage === 'train')!;
    expect(train.cellsAtOnce).toBe(1);
    expect(train.seconds).toBeGreaterThan(0);
    expect(readFileSync(join(serial, 'report.html'), 'utf8')).toContain('cells at once');
  });

  it('--plan, --cell K, --collect: the cluster path gives the same per-cell numbers', async () => {
    const plan = await run(['--preset', 'tiny', '--out', cells, '--plan']);
    expect(plan.code, plan.text()).toBe(0);
    const p = PlanSchema.parse(JSON.parse(readFileSync(join(cells, 'experiment.json'), 'utf8')));
    expect(p.cells.map((c) => [c.index, c.key])).toEqual([
      [0, 'sgd-l0-s7'],
      [1, 'sgd-l1e-4-s7'],
    ]);
    // Planning again with the same config is a no-op; with another config it is refused.
    expect((await run(['--preset', 'tiny', '--out', cells, '--plan'])).text()).toMatch(/Plan already in place/);
    const other = join(tmp(), 'other.json');
    writeFileSync(other, JSON.stringify({ extends: 'tiny', epochs: 2 }));
    await expect(run(['--config', other, '--out', cells, '--plan'])).rejects.toThrow(/different experiment/);

    const first = await run(['--out', cells, '--cell', '1']);
    expect(first.code, first.text()).toBe(0);
    // One cell of two: collect writes partial results and names the missing cell.
    const partial = await run(['--out', cells, '--collect']);
    expect(partial.code).toBe(1);
    expect(partial.text()).toMatch(/missing: cell 0 sgd-l0-s7 \(SGD, seed 7\): missing/);
    const pr = readResults(cells);
    expect(pr.status).toBe('partial');
    expect(pr.missing.map((m) => m.key)).toEqual(['sgd-l0-s7']);
    expect(readFileSync(join(cells, 'report.html'), 'utf8')).toMatch(/Partial results: 1 of 2 planned cell/);

    // A cell is run by key as well as by index; running a finished cell again does nothing.
    expect((await run(['--out', cells, '--cell', 'sgd-l0-s7'])).code).toBe(0);
    const again = await run(['--out', cells, '--cell', '1']);
    expect(again.code).toBe(0);
    expect(again.text()).toMatch(/already completed/);
    await expect(run(['--out', cells, '--cell', '2'])).rejects.toThrow(/no cell "2"/);

    const done = await run(['--out', cells, '--collect']);
    expect(done.code, done.text()).toBe(0);
    const results = readResults(cells);
    expect(results.status).toBe('completed');
    expect(perCell(results)).toEqual(perCell(readResults(serial)));
  });

  it('--jobs 2 runs both cells at once with the same per-cell numbers as the serial run', async () => {
    const out = join(tmp(), 'parallel');
    const r = await run(['--preset', 'tiny', '--out', out, '--jobs', '2']);
    expect(r.code, r.text()).toBe(0);
    const results = readResults(out);
    expect(results.stages.find((s) => s.stage === 'train')!.cellsAtOnce).toBe(2);
    expect(perCell(results)).toEqual(perCell(readResults(serial)));
  });

  it('a cell held by a live process is refused; a dead holder on this host loses its lock', async () => {
    const dir = join(tmp(), 'locks');
    mkdirSync(dir);
    const file = join(dir, 'c.lock');
    const lock = await acquireCellLock(file, 'c');
    await expect(acquireCellLock(file, 'c')).rejects.toMatchObject({
      code: 'busy',
      what: expect.stringMatching(/being worked on by process \d+ on/),
    });
    await lock.release();
    expect(existsSync(file)).toBe(false);
    // A holder that died without releasing (pid far above any live one).
    writeFileSync(file, JSON.stringify({ host: hostname(), pid: 2 ** 22 - 3, since: new Date().toISOString() }));
    const taken = await acquireCellLock(file, 'c');
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await taken.release();
  });
});
