/**
 * The experiment presets as data: each parses, expands into valid run configs, and says what the
 * issue asks of it (demo: >= 3 paired seeds of SGD and SGD+VAR; science: SGD, SAM, CrAM with and
 * without VAR over 5 seeds, ascent on the whole objective; science-data-ascent: the same SAM / CrAM
 * grid with the data ascent; science-bn: BatchNorm re-estimation; science-channel: the science
 * training swept by the channel family).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePlan, experimentPaths, readPlan } from '../../../../src/node/experiment/state';
import { expandGrid } from '../../../../src/shared/experiment/grid';
import { parseExperimentConfig } from '../../../../src/shared/experiment/config';
import { experimentPreset, experimentPresetNames } from '../../../../src/shared/experiment/presets';
import { parseSweepConfig } from '../../../../src/shared/sweep/config';
import { parseRunConfig } from '../../../../src/shared/run/config';
import { buildModel } from '../../../../src/shared/model';
import { maxChannelFraction } from '../../../../src/shared/prune/channel';

describe('experiment presets', () => {
  it('every preset expands into run configs the run schema accepts', () => {
    for (const name of experimentPresetNames) {
      const cells = expandGrid(experimentPreset(name));
      expect(cells.length).toBeGreaterThan(0);
      for (const c of cells) expect(() => parseRunConfig(c.run)).not.toThrow();
    }
  });

  it('experiment sweeps measure no device files unless the config asks (a single sweep measures sizes)', () => {
    for (const name of experimentPresetNames) expect(experimentPreset(name).sweep.measure).toBe('none');
    const base = experimentPreset('tiny');
    expect(parseExperimentConfig({ ...base, sweep: { ...base.sweep, measure: 'size' } }).sweep.measure).toBe('size');
    expect(parseSweepConfig({}).measure).toBe('size');
  });

  it('demo pairs SGD with SGD+VAR over at least three seeds on one patient split', () => {
    const demo = experimentPreset('demo');
    expect(demo.methods).toEqual(['sgd']);
    expect(demo.varLambdas).toContain(0);
    expect(demo.varLambdas.some((l) => l > 0)).toBe(true);
    expect(demo.seeds.length).toBeGreaterThanOrEqual(3);
    expect(new Set(expandGrid(demo).map((c) => c.run.dataSeed)).size).toBe(1);
  });

  it('science ascends on the whole objective; science-data-ascent on the data loss, otherwise the same grid', () => {
    const science = experimentPreset('science');
    const dataAscent = experimentPreset('science-data-ascent');
    expect(science.methods).toEqual(['sgd', 'sam', 'cram']);
    expect(science.seeds).toHaveLength(5);
    expect(expandGrid(science).every((c) => c.run.optimizer.ascent === 'objective')).toBe(true);
    expect(dataAscent.methods).toEqual(['sam', 'cram']);
    expect(expandGrid(dataAscent).every((c) => c.run.optimizer.ascent === 'data')).toBe(true);
    const strip = (c: ReturnType<typeof expandGrid>[number]) => ({
      ...c.run,
      name: '',
      optimizer: { ...c.run.optimizer, ascent: undefined },
    });
    const sciSamCram = expandGrid(science).filter((c) => c.method !== 'sgd');
    expect(expandGrid(dataAscent).map(strip)).toEqual(sciSamCram.map(strip));
    expect(experimentPreset('science-bn').sweep.bnReestimate).not.toBeNull();
  });

  it('science-channel trains exactly the science grid (so --reuse-runs takes its runs) and prunes whole channels at levels the model reaches', () => {
    const science = experimentPreset('science');
    const channel = experimentPreset('science-channel');
    const training = (c: ReturnType<typeof expandGrid>[number]) => ({ ...c.run, name: '' });
    expect(expandGrid(channel).map(training)).toEqual(expandGrid(science).map(training));
    expect(channel.sweep).toMatchObject({ family: 'channel', channelTarget: 'params', bnReestimate: null, split: 'test' });
    expect(channel.sweep.levels).toEqual([0, 0.25, 0.5, 0.6, 0.75, 0.9, 0.95]);
    expect(channel.report.headlineLevels.every((l) => channel.sweep.levels.includes(l))).toBe(true);
    const model = buildModel(channel.model);
    try {
      expect(Math.max(...channel.sweep.levels)).toBeLessThan(maxChannelFraction(model, 'params'));
    } finally {
      model.dispose();
    }
  });

  it('a plan written before the ascent option existed reads as the data ascent; resuming it with the new default is refused, not mixed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vs-plan-ascent-'));
    try {
      const paths = experimentPaths(out);
      const science = experimentPreset('science');
      await ensurePlan(paths, science, { preset: 'science' });
      const raw = JSON.parse(readFileSync(paths.plan, 'utf8'));
      expect(raw.config.optimizer.ascent).toBe('objective');
      delete raw.config.optimizer.ascent;
      writeFileSync(paths.plan, JSON.stringify(raw));
      expect((await readPlan(paths))!.config.optimizer.ascent).toBe('data');
      await expect(ensurePlan(paths, science)).rejects.toMatchObject({ what: expect.stringMatching(/different experiment/) });
      await expect(ensurePlan(paths, experimentPreset('science-data-ascent'))).rejects.toMatchObject({ code: 'bad-input' });
      const sameButData = { ...science, optimizer: { ...science.optimizer, ascent: 'data' as const } };
      await expect(ensurePlan(paths, sameButData)).resolves.toMatchObject({ created: false });
      // An SGD-only plan of that time is the same experiment as today's: SGD has no ascent.
      const demoOut = experimentPaths(join(out, 'demo'));
      await ensurePlan(demoOut, experimentPreset('demo'));
      const demoRaw = JSON.parse(readFileSync(demoOut.plan, 'utf8'));
      delete demoRaw.config.optimizer.ascent;
      writeFileSync(demoOut.plan, JSON.stringify(demoRaw));
      await expect(ensurePlan(demoOut, experimentPreset('demo'))).resolves.toMatchObject({ created: false });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
