/**
 * A channel-family experiment end to end through the cells, on the `tiny` preset (two cells:
 * SGD and SGD+VAR, one seed): each cell trains, then its sweep removes whole channels and
 * rebuilds the network smaller at every level; results.json carries the level reached and the
 * rebuilt network's kernel weights per level (checked against rebuilding the trained run here),
 * the paired comparison at every level (its runs left out by name when their training failed),
 * and findings, comparison table and report that say what a channel level counts, never "sparsity".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentCommand } from '../../../../src/main/cli/commands/experiment';
import { loadRunModel } from '../../../../src/node/train/runModel';
import { readSweepRecord } from '../../../../src/node/sweep/files';
import { buildChannelPruned, planChannelPruning, readWeights } from '../../../../src/shared/prune';
import { compareGroups } from '../../../../src/shared/experiment/compare';
import { ResultsSchema } from '../../../../src/shared/experiment/results';
import { captureIo } from '../../helpers/cli';

const root = mkdtempSync(join(tmpdir(), 'vs-channel-exp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LEVELS = [0, 0.5, 0.75];
const kernelElements = (m: { weights: { shape: number[] }[] }) =>
  m.weights.filter((w) => w.shape.length > 1).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);

// Trains the tiny preset's two cells from sources, then sweeps them: minutes on a loaded machine.
describe('channel-family experiment (tiny preset)', { timeout: 600_000 }, () => {
  it('trains, channel-prunes every run at every level and compares with VAR against without, in channel terms', async () => {
    const config = join(root, 'tiny-channel.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: 'tiny',
        name: 'tiny-channel',
        sweep: { family: 'channel', levels: LEVELS, scorer: 'tfjs', split: 'test' },
        report: { gridSlices: 2, headlineLevels: [0.5, 0.75] },
      }),
    );
    const out = join(root, 'exp');
    const c = captureIo();
    const code = await experimentCommand.run(['--config', config, '--out', out, '--jobs', '1'], c.io);
    expect(code, `${c.text()}\n${c.errors()}`).toBe(0);
    expect(c.text()).toMatch(/3 channel-pruning levels \(conv weights removed with their channels\)/);

    const r = ResultsSchema.parse(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
    expect(r.status).toBe('completed');
    expect(r.experiment.config.sweep.family).toBe('channel');
    expect(r.runs.map((x) => x.label)).toEqual(['SGD', 'SGD+VAR']);

    for (const run of r.runs) {
      // The sweep of the cell is a channel sweep of the trained run.
      const sweep = await readSweepRecord(join(out, 'runs'), run.runId, run.sweepId!);
      expect(sweep.config.family).toBe('channel');
      const rows = r.entries.filter((e) => e.runId === run.runId);
      expect(rows.map((e) => e.sparsity)).toEqual(LEVELS);
      const { model } = await loadRunModel(join(out, 'runs', run.runId));
      const trained = await readWeights(model);
      const dense = kernelElements(model as never);
      try {
        for (const e of rows) {
          // Reached at least the level (the smallest per-conv ratio that does), never far beyond it.
          expect(e.achieved).toBeGreaterThanOrEqual(e.sparsity);
          expect(e.achieved! - e.sparsity).toBeLessThan(0.1);
          expect(e.kernelParams!.before).toBe(dense);
          // The rebuilt network's kernel weights: the same count when the trained run is rebuilt here.
          const smaller = buildChannelPruned(model, trained, planChannelPruning(model, trained, { fraction: e.sparsity }));
          expect(e.kernelParams!.after).toBe(kernelElements(smaller as never));
          smaller.dispose();
          expect(e.kernelParams!.after / e.kernelParams!.before).toBeCloseTo(1 - e.achieved!, 6);
          expect(e.caseDice.mean).not.toBeNull();
        }
      } finally {
        model.dispose();
      }
      expect(rows[0].kernelParams!.after).toBe(dense);
      expect(rows[1].kernelParams!.after).toBeLessThanOrEqual(dense / 2);
      expect(rows[2].kernelParams!.after).toBeLessThanOrEqual(dense / 4);
    }

    // One paired comparison per level. The tiny preset's 16 px networks do not learn in 4 epochs
    // (validation per-case Dice 0, flagged as failed training): each comparison is there and
    // names both runs as left out, and the findings say there is no pair, in channel terms.
    expect(r.runs.map((x) => x.trainingCheck?.verdict)).toEqual(['failed', 'failed']);
    expect(r.comparisons.map((x) => [x.with.label, x.without.label, x.sparsity])).toEqual(LEVELS.map((l) => ['SGD+VAR', 'SGD', l]));
    for (const x of r.comparisons) {
      expect(x.perSeed).toEqual([]);
      expect(x.excluded.map((e) => [e.label, e.seed])).toEqual([
        ['SGD', 7],
        ['SGD+VAR', 7],
      ]);
      expect(x.verdict).toBeNull();
    }
    expect(r.findings.map((f) => f.sparsity)).toEqual([0.5, 0.75]);
    expect(r.findings[0].text).toMatch(
      /^At 50 % of the conv weights removed with their channels there is no pair of SGD\+VAR and SGD runs to compare\. Left out: SGD seed 7 \(failed training/,
    );
    expect(r.findings[1].text).toMatch(/^At 75 % of the conv weights removed with their channels there is no pair/);
    for (const f of r.findings) expect(f.text).not.toMatch(/sparsity/);
    // Had they learned, the channel rows pair by seed at every level: with VAR minus without.
    const learned = r.runs.map((x) => ({ ...x, trainingCheck: { ...x.trainingCheck!, verdict: 'learned' as const } }));
    const paired = compareGroups(r.entries, learned);
    expect(paired.map((x) => x.sparsity)).toEqual(LEVELS);
    for (const x of paired) {
      const dice = (label: string) => r.entries.find((e) => e.label === label && e.sparsity === x.sparsity)!.caseDice.mean!;
      expect(x.perSeed.map((p) => p.seed)).toEqual([7]);
      expect(x.perSeed[0].diff).toBeCloseTo(dice('SGD+VAR') - dice('SGD'), 12);
      expect(x.interval!.method).toBe('patient-bootstrap');
    }

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Dice versus conv weights removed with their channels</h2>');
    expect(html).toContain('<th>pair</th><th>conv weights removed</th>');
    expect(html).toContain('<th>kernel weights left</th>');
    expect(html).toContain('Per-layer share of the kernel removed at 50 % of the conv weights removed with their channels');
    expect(html).not.toMatch(/global sparsity|then [^<]* sparsity\./);
  });
});
