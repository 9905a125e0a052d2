/**
 * `--reuse-runs DIR`: an ablation of the sweep takes the trained runs of an earlier experiment
 * instead of training them again. On the `tiny` preset: the ablation (BatchNorm re-estimated)
 * trains nothing, sweeps the very same weights (the same files, hard-linked), leaves the source
 * folder as it was and compares with the same paired statistics; `sameTraining` is the rule.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentCommand } from '../../../../src/main/cli/commands/experiment';
import type { CliIO } from '../../../../src/main/cli/types';
import { PlanSchema } from '../../../../src/shared/experiment/cells';
import { expandGrid } from '../../../../src/shared/experiment/grid';
import { experimentPreset } from '../../../../src/shared/experiment/presets';
import { ResultsSchema, type Results } from '../../../../src/shared/experiment/results';
import { sameTraining, type RunConfig } from '../../../../src/shared/run/config';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'vs-reuse-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const run = async (args: string[]) => {
  const out: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: false, signal: new AbortController().signal };
  const code = await experimentCommand.run(args, io);
  return { code, text: out.join('\n') };
};
const readResults = (dir: string): Results => ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')));
const weightsInode = (dir: string, runId: string) => statSync(join(dir, 'runs', runId, 'model', 'weights.bin')).ino;

describe('sameTraining', () => {
  const [sgd, sgdVar] = expandGrid(experimentPreset('tiny')).map((c) => c.run);
  const sam = (varLambda: number, ascent: 'objective' | 'data'): RunConfig => ({
    ...sgd,
    optimizer: { ...sgd.optimizer, method: 'sam', varLambda, ascent },
  });

  it('ignores the name and the order of the fields', () => {
    const reordered = Object.fromEntries(Object.entries({ ...sgd, name: 'another label' }).reverse()) as RunConfig;
    expect(sameTraining(sgd, reordered)).toBe(true);
  });

  it('tells apart every setting that changes the weights', () => {
    expect(sameTraining(sgd, sgdVar)).toBe(false);
    expect(sameTraining(sgd, { ...sgd, seed: sgd.seed + 1 })).toBe(false);
    expect(sameTraining(sgd, { ...sgd, epochs: sgd.epochs + 1 })).toBe(false);
    expect(sameTraining(sgd, { ...sgd, dataSeed: 5 })).toBe(false);
    expect(sameTraining(sam(1e-4, 'objective'), sam(1e-4, 'data'))).toBe(false);
  });

  it('ignores the ascent where it changes nothing (VAR off, or SGD)', () => {
    expect(sameTraining(sam(0, 'objective'), sam(0, 'data'))).toBe(true);
    expect(sameTraining({ ...sgdVar, optimizer: { ...sgdVar.optimizer, ascent: 'data' } }, sgdVar)).toBe(true);
  });
});

// Two experiments (the source, then the ablation) from sources: 52 s idle, 330 s at load 16.
describe('--reuse-runs (tiny preset)', { timeout: 600_000 }, () => {
  const source = join(tmp(), 'source');
  const ablation = join(tmp(), 'ablation');
  const bnConfig = join(tmp(), 'tiny-bn.json');
  writeFileSync(
    bnConfig,
    JSON.stringify({
      extends: 'tiny',
      name: 'tiny-bn',
      sweep: { ...experimentPreset('tiny').sweep, bnReestimate: { batches: 1, batchSize: 2 } },
    }),
  );

  it('re-sweeps the same trained runs without training them again', async () => {
    const first = await run(['--preset', 'tiny', '--out', source]);
    expect(first.code, first.text).toBe(0);
    const before = readResults(source);
    const sourceRunJson = Object.fromEntries(
      before.runs.map((r) => [r.runId, readFileSync(join(source, 'runs', r.runId, 'run.json'), 'utf8')]),
    );

    const second = await run(['--config', bnConfig, '--out', ablation, '--reuse-runs', source]);
    expect(second.code, second.text).toBe(0);
    // No cell started a training run: every run was taken from the source.
    expect(second.text).not.toMatch(/: training \(/);
    expect(second.text).toMatch(/trained run reused from/);
    const after = readResults(ablation);
    expect(after.status).toBe('completed');
    expect(after.runs.map((r) => [r.key, r.runId])).toEqual(before.runs.map((r) => [r.key, r.runId]));
    for (const r of after.runs) {
      expect(r.reusedFrom).toBe(join(source, 'runs', r.runId));
      // The same weights file (a hard link), the same training record.
      expect(weightsInode(ablation, r.runId)).toBe(weightsInode(source, r.runId));
      expect(readFileSync(join(ablation, 'runs', r.runId, 'run.json'), 'utf8')).toBe(sourceRunJson[r.runId]);
      expect(r.epochs).toEqual(before.runs.find((b) => b.runId === r.runId)!.epochs);
    }
    expect(after.stages.find((s) => s.stage === 'train')!.cellSeconds).toBe(0);
    expect(after.experiment.config.sweep.bnReestimate).toEqual({ batches: 1, batchSize: 2 });
    // The same paired statistics, on the ablation's own sweep.
    // The same paired statistics on the ablation's own sweep, with the same pairs and the same
    // runs left out (the training check is the reused run's).
    const shape = (r: Results) =>
      r.comparisons.map((c) => [c.sparsity, c.perSeed.map((p) => p.seed), c.excluded.map((e) => [e.runId, e.reason])]);
    expect(shape(after)).toEqual(shape(before));
    expect(after.comparisons).toHaveLength(3);
    expect(readFileSync(join(ablation, 'report.html'), 'utf8')).toMatch(/2 of 2 run\(s\) were not trained in this experiment/);
    // The source folder is only read: its runs keep their own sweeps and records.
    for (const r of before.runs) {
      expect(readFileSync(join(source, 'runs', r.runId, 'run.json'), 'utf8')).toBe(sourceRunJson[r.runId]);
      expect(readdirSync(join(source, 'runs', r.runId, 'sweeps')).filter((f) => f.endsWith('.images.json'))).toHaveLength(1);
    }
    expect(PlanSchema.parse(JSON.parse(readFileSync(join(ablation, 'experiment.json'), 'utf8'))).reuseRunsFrom).toBe(source);
  });

  it('refuses a source without runs, its own folder, and a resume naming another source', async () => {
    await expect(run(['--config', bnConfig, '--out', join(tmp(), 'x'), '--reuse-runs', tmp()])).rejects.toThrow(/holds no runs\/ folder/);
    await expect(run(['--preset', 'tiny', '--out', source, '--reuse-runs', source])).rejects.toThrow(/its own folder/);
    await expect(run(['--config', bnConfig, '--out', ablation, '--reuse-runs', tmp()])).rejects.toThrow(/reuses the runs of/);
    await expect(run(['--out', ablation, '--collect', '--reuse-runs', source])).rejects.toThrow(/cannot be given with --collect/);
  });
});
