import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSweepRecords, readSweepRecord, sweepPaths } from '../../../../src/node/sweep/files';
import { runSweep } from '../../../../src/node/sweep/job';
import { loadRunSamples } from '../../../../src/node/train/data';
import { loadRunModel } from '../../../../src/node/train/runModel';
import { binarize, decodeMask } from '../../../../src/shared/metrics';
import { applyToModel, maskChannels, planChannelPruning, readWeights } from '../../../../src/shared/prune';
import { parseSweepConfig, summarizeSweep } from '../../../../src/shared/sweep';
import { trainTinyRun } from '../../helpers/sweep';
import { sweepCommand } from '../../../../src/main/cli/commands/sweep';
import type { CliIO } from '../../../../src/main/cli/types';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-channel-'));
let runId = '';
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  runId = await trainTinyRun(root, 'channel-tiny');
});

const sweep = (sweepId: string, config: Record<string, unknown>) =>
  runSweep({ runsRoot: root, sweepId, runIds: [runId], config: parseSweepConfig(config), backend: 'cpu' });

describe('channel-pruning sweep', () => {
  it('config: the family defaults to unstructured; channel levels stay below 1 and refuse keepFirstLast', () => {
    expect(parseSweepConfig({}).family).toBe('unstructured');
    const c = parseSweepConfig({ family: 'channel', levels: [0.75, 0.5] });
    expect([c.family, c.levels, c.channelCriterion, c.channelTarget]).toEqual(['channel', [0.5, 0.75], 'l1', 'params']);
    expect(() => parseSweepConfig({ family: 'channel', levels: [0.5, 1] })).toThrow(/every channel/);
    expect(() => parseSweepConfig({ family: 'channel', keepFirstLast: true })).toThrow(/unstructured family/);
    expect(() => parseSweepConfig({ family: 'magic' })).toThrow(/family/);
  });

  it('records the family and each level rebuilt smaller (ONNX bytes fall), scored by the one scoring module', async () => {
    const out = await sweep('sw-chan-1', { family: 'channel', levels: [0, 0.5, 0.75], scorer: 'onnx' });
    expect(out.status).toBe('completed');
    const rec = await readSweepRecord(root, runId, 'sw-chan-1');
    expect(rec.version).toBe(4);
    expect(rec.config.family).toBe('channel');
    expect(summarizeSweep(rec).family).toBe('channel');
    const [l0, l50, l75] = rec.levels;
    expect(l0.achieved).toBe(0);
    expect(l0.channel!.layers.every((l) => l.kept === l.channels)).toBe(true);
    expect(l50.achieved).toBeGreaterThanOrEqual(0.5);
    expect(l75.achieved).toBeGreaterThanOrEqual(0.75);
    for (const l of rec.levels) {
      const total = l.perLayer.reduce((a, r) => a + r.total, 0);
      const gone = l.perLayer.reduce((a, r) => a + r.zeros, 0);
      expect(total).toBe(l.channel!.kernelParams.before);
      expect(total - gone).toBe(l.channel!.kernelParams.after);
      expect(l.overall).toBeCloseTo(gone / total, 12);
      expect(l.summary.slices).toBe(rec.slices.length);
      expect(l.perSlice).toHaveLength(rec.slices.length);
    }
    // Physically smaller files: the fp32 ONNX model shrinks with the level.
    expect(l50.onnxBytes!).toBeLessThan(0.6 * l0.onnxBytes!);
    expect(l75.onnxBytes!).toBeLessThan(l50.onnxBytes!);
    // Per-layer rows: residual-add members (e.g. the stem) lose nothing; the head keeps its output
    // and loses exactly the input rows of the channels removed from the last decoder conv.
    expect(l75.perLayer.find((r) => r.name.startsWith('stem_conv'))!.zeros).toBe(0);
    const head = l75.perLayer.find((r) => r.name.startsWith('head'))!;
    const dec1 = l75.channel!.layers.find((l) => l.name === 'dec1_conv')!;
    expect(dec1.kept).toBeLessThan(dec1.channels);
    expect(head.total - head.zeros).toBe(dec1.kept);
  });

  it('a level scores the masked original: the same masks as the run model with the removed channels zeroed', async () => {
    await sweep('sw-chan-tfjs', { family: 'channel', levels: [0, 0.5], scorer: 'tfjs' });
    await sweep('sw-unst-0', { levels: [0], scorer: 'tfjs' });
    const rec = await readSweepRecord(root, runId, 'sw-chan-tfjs');
    // Level 0 is the trained model, as in the unstructured family.
    const dense = await readSweepRecord(root, runId, 'sw-unst-0');
    expect(rec.levels[0].perSlice.map((s) => s.pred)).toEqual(dense.levels[0].perSlice.map((s) => s.pred));
    expect(rec.levels[0].summary).toEqual(dense.levels[0].summary);

    await tf.setBackend('cpu');
    const { model, record } = await loadRunModel(path.join(root, runId));
    const samples = (await loadRunSamples(record.config)).val;
    const trained = await readWeights(model);
    applyToModel(model, maskChannels(model, trained, planChannelPruning(model, trained, { fraction: 0.5 })));
    const size = record.config.model.inputSize;
    const x = tf.tensor4d(Float32Array.from(samples.flatMap((s) => Array.from(s.image))), [
      samples.length,
      size,
      size,
      record.config.model.inChannels,
    ]);
    const probs = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
    let differ = 0;
    samples.forEach((_, i) => {
      const mine = binarize(probs.subarray(i * size * size, (i + 1) * size * size), 0.5);
      const stored = decodeMask(rec.levels[1].perSlice[i].pred, size * size);
      for (let k = 0; k < mine.length; k++) if (mine[k] !== stored[k]) differ++;
    });
    // Equal up to pixels on the threshold (summation order differs by ~1e-7).
    expect(differ).toBeLessThanOrEqual(2);
    model.dispose();
    x.dispose();
  });

  it('a level beyond what channel pruning can remove fails with the maximum; version-2 records read as unstructured', async () => {
    const out = await sweep('sw-chan-max', { family: 'channel', levels: [0.995], scorer: 'tfjs' });
    expect(out.status).toBe('failed');
    expect(out.runs[0].error?.what).toMatch(/at most \d+\.\d %/);

    const file = sweepPaths(root, runId, 'sw-unst-0').record;
    const v4 = JSON.parse(fs.readFileSync(file, 'utf8'));
    const { family: _f, channelCriterion: _c, channelTarget: _t, measure: _m, latencyRuns: _r, ...oldConfig } = v4.config;
    fs.writeFileSync(file, JSON.stringify({ ...v4, version: 2, config: oldConfig }));
    const read = await readSweepRecord(root, runId, 'sw-unst-0');
    expect(read.version).toBe(4);
    expect(read.config.family).toBe('unstructured');
    expect(read.levels).toEqual(v4.levels);
  });

  it('var-studio sweep --family channel: prints each level (removed, weights kept, FLOPs, Dice) and stores the record', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false, signal: new AbortController().signal };
    const before = (await listSweepRecords(root, runId)).records.length;
    expect(
      await sweepCommand.run(
        [path.join(root, runId), '--family', 'channel', '--levels', '0,0.5', '--scorer', 'tfjs', '--criterion', 'bn-gamma'],
        io,
      ),
    ).toBe(0);
    const listed = (await listSweepRecords(root, runId)).records;
    expect(listed).toHaveLength(before + 1);
    const rec = listed[0];
    expect([rec.config.family, rec.config.channelCriterion]).toEqual(['channel', 'bn-gamma']);
    const text = out.join('\n');
    expect(text).toContain(`sweep ${rec.sweepId}: channel pruning (bn-gamma, level = conv weights removed)`);
    const row = out.find((l) => l.trimStart().startsWith('50.0 %'))!;
    expect(row).toContain(String(rec.levels[1].channel!.kernelParams.after));
    expect(row).toContain(rec.levels[1].summary.caseDice.mean === null ? 'n/a' : rec.levels[1].summary.caseDice.mean.toFixed(4));

    const e1 = { out: () => {}, err: (l: string) => err.push(l), isTTY: false, signal: new AbortController().signal };
    expect(await sweepCommand.run([path.join(root, runId), '--family', 'pyramid'], e1)).toBe(1);
    expect(err.join('\n')).toMatch(/unknown --family "pyramid"/);
    expect(await sweepCommand.run([path.join(root, runId), '--criterion', 'l2'], e1)).toBe(1);
    expect(err.join('\n')).toMatch(/apply to --family channel/);
    expect(await sweepCommand.run([path.join(root, runId), '--family', 'channel', '--levels', '0.5,1'], e1)).toBe(1);
    expect((await listSweepRecords(root, runId)).records).toHaveLength(before + 1);
  });

  it('var-studio sweep --family channel with the default levels is refused before any level is swept, naming the maximum', async () => {
    const err: string[] = [];
    const io: CliIO = { out: () => {}, err: (l) => err.push(l), isTTY: false, signal: new AbortController().signal };
    const before = (await listSweepRecords(root, runId)).records.length;
    expect(await sweepCommand.run([path.join(root, runId), '--family', 'channel', '--scorer', 'tfjs'], io)).toBe(1);
    expect(err.join('\n')).toMatch(
      new RegExp(
        `Channel pruning can remove at most 9\\d\\.\\d % of this model's weights, not (\\d+\\.\\d %, )*98\\.0 % \\(run ${runId}: --levels was left at the default levels, which are made for the unstructured family`,
      ),
    );
    expect(err.join('\n')).toMatch(/choose levels up to 9\d\.0 %/);
    // Nothing was swept: no new record.
    expect((await listSweepRecords(root, runId)).records).toHaveLength(before);
  });
});
