/**
 * The main job end to end on the `tiny` preset: `var-studio experiment` through command.run,
 * results.json against its schema, a self-contained report, and Ctrl-C (io.signal) leaving
 * checkpoints and a resumable folder.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentCommand } from '../../../../../src/main/cli/commands/experiment';
import type { CliIO } from '../../../../../src/main/cli/types';
import { ResultsSchema } from '../../../../../src/shared/experiment/results';
import { experimentPreset } from '../../../../../src/shared/experiment/presets';
import { expandGrid } from '../../../../../src/shared/experiment/grid';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'vs-exp-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function capture(onOut?: (line: string, controller: AbortController) => void) {
  const controller = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    out: (l) => {
      out.push(l);
      onOut?.(l, controller);
    },
    err: (l) => err.push(l),
    isTTY: false,
    signal: controller.signal,
  };
  return { io, out, err, controller };
}

describe('experiment config grid', () => {
  it('expands methods x lambdas x seeds with shared data and schedule', () => {
    const base = experimentPreset('tiny');
    const cells = expandGrid({ ...base, methods: ['sgd', 'sam'], varLambdas: [0, 1e-4], seeds: [1, 2] });
    expect(cells).toHaveLength(8);
    expect(new Set(cells.map((c) => c.key)).size).toBe(8);
    expect(new Set(cells.map((c) => JSON.stringify(c.run.data))).size).toBe(1);
    const sgdVar = cells.find((c) => c.method === 'sgd' && c.varLambda === 1e-4 && c.seed === 2)!;
    expect(sgdVar.label).toBe('SGD+VAR');
    expect(sgdVar.run.optimizer.varLambda).toBe(1e-4);
    expect(sgdVar.run.model.seed).toBe(2);
    expect(cells.find((c) => c.method === 'sam' && c.varLambda === 0)!.label).toBe('SAM');
  });
});

describe('var-studio experiment (tiny preset)', () => {
  it('trains, sweeps and writes a valid results.json and a self-contained report', async () => {
    const out = join(tmp(), 'out');
    const { io, out: lines, err } = capture();
    const code = await experimentCommand.run(['--preset', 'tiny', '--out', out], io);
    expect(code, err.join('\n')).toBe(0);

    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
    expect(results.status).toBe('completed');
    expect(results.runs.map((r) => [r.optimizer, r.varLambda])).toEqual([
      ['sgd', 0],
      ['sgd', 1e-4],
    ]);
    // One entry per run and level, with the fields the issue asks for.
    expect(results.entries).toHaveLength(2 * 3);
    // Beside it, one CSV row per run x level x case.
    const csv = readFileSync(join(out, 'per-case.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0].split(',')).toContain('dice');
    const casesPerEntry = results.entries.map((e) => e.cases).reduce((a, b) => a + b, 0);
    expect(csv.length - 1).toBe(casesPerEntry);
    expect(new Set(csv.slice(1).map((l) => l.split(',')[2])).size).toBe(2);
    for (const e of results.entries) {
      expect([0, 0.5, 0.9]).toContain(e.sparsity);
      // The headline exists when the scored split has a lesion case (null otherwise, never a made-up 1).
      if (e.lesionCases > 0) {
        expect(e.caseDice.mean).toBeGreaterThanOrEqual(0);
        expect(e.caseDice.mean).toBeLessThanOrEqual(1);
      } else expect(e.caseDice.mean).toBeNull();
      expect(e.backend).toBe('cpu');
      expect(e.run).toContain('tiny');
    }
    expect(results.stages.map((s) => s.stage)).toEqual(['train', 'sweep', 'report']);
    for (const s of results.stages) expect(s.seconds).toBeGreaterThanOrEqual(0);
    expect(results.backend.name).toBe('cpu');
    expect(results.findings.length).toBe(1);
    // Weight statistics reach the results: the VAR run is regularised, so its penalty was logged.
    expect(results.runs[1].epochs.every((e) => e.varPenalty > 0)).toBe(true);
    expect(results.runs[0].epochs.every((e) => e.varPenalty === 0)).toBe(true);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|\bsrc="(?!data:)/i);
    expect(html).toContain('Not for diagnostic use');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('Per-case Dice after one-shot pruning');
    expect(html).toContain('Weight distribution');
    expect(html).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]{100,}"/);
    expect(lines.join('\n')).toContain('report.html');

    // A second run on the completed folder reuses the runs and sweeps (nothing retrained).
    const again = capture();
    expect(await experimentCommand.run(['--preset', 'tiny', '--out', out], again.io)).toBe(0);
    expect(again.out.join('\n')).toMatch(/Cell 1\/2 SGD seed 7: already completed/);
    expect(readdirSync(join(out, 'runs'))).toHaveLength(2);
  });

  it('Ctrl-C keeps the checkpoints and a clear status; the same command resumes', { timeout: 300_000 }, async () => {
    const out = join(tmp(), 'out');
    // Abort as soon as the first epoch of the first cell is checkpointed. Cells may train side by
    // side, so the line must be cell 1's ("[1] epoch 1/4"), not the other cell's.
    const first = capture((line, c) => {
      if (/\[1\] epoch 1\/4/.test(line)) c.abort();
    });
    expect(await experimentCommand.run(['--preset', 'tiny', '--out', out], first.io)).toBe(130);
    expect(first.err.join('\n')).toMatch(/Stopped\. Finished epochs are checkpointed/);
    expect(first.err.join('\n')).toMatch(/Resume with: var-studio experiment --preset tiny --out/);
    const plan = JSON.parse(readFileSync(join(out, 'experiment.json'), 'utf8'));
    const cell = JSON.parse(readFileSync(join(out, 'cells', `${plan.cells[0].key}.json`), 'utf8'));
    expect(cell.status).toBe('cancelled');
    const runId = cell.runId as string;
    const run = JSON.parse(readFileSync(join(out, 'runs', runId, 'run.json'), 'utf8'));
    // cancelled at a step boundary, or failed when the thread had to be stopped after the grace period
    expect(['cancelled', 'failed']).toContain(run.status);
    expect(run.epochs.length).toBeGreaterThanOrEqual(1);
    expect(run.epochs.length).toBeLessThan(4);
    expect(existsSync(join(out, 'runs', runId, 'checkpoint', 'weights.bin'))).toBe(true);
    expect(existsSync(join(out, 'results.json'))).toBe(false);

    const second = capture();
    expect(await experimentCommand.run(['--preset', 'tiny', '--out', out], second.io)).toBe(0);
    expect(second.out.join('\n')).toContain(`resuming after epoch ${run.epochs.length}`);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
    expect(results.runs[0].runId).toBe(runId);
    expect(results.runs[0].epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
  });

  it('rejects an invalid config file with a clear message', async () => {
    const dir = tmp();
    const file = join(dir, 'bad.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ extends: 'tiny', varLambdas: [-1] }));
    const { io } = capture();
    await expect(experimentCommand.run(['--config', file, '--out', join(dir, 'o')], io)).rejects.toThrow(/varLambdas/);
  });
});
