import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSweepRecord, sweepPaths } from '../../../../src/node/sweep/files';
import { runSweep } from '../../../../src/node/sweep/job';
import { runExportJob } from '../../../../src/node/export/job';
import { sweepCommand } from '../../../../src/main/cli/commands/sweep';
import { parseSweepConfig } from '../../../../src/shared/sweep';
import { trainTinyRun } from '../../helpers/sweep';
import { captureIo } from '../../helpers/cli';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-measure-'));
let runId = '';
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  runId = await trainTinyRun(root, 'measure-tiny');
});

const sweep = async (sweepId: string, config: Record<string, unknown>) => {
  const out = await runSweep({ runsRoot: root, sweepId, runIds: [runId], config: parseSweepConfig(config), backend: 'cpu' });
  expect(out.status).toBe('completed');
  return readSweepRecord(root, runId, sweepId);
};

describe('sweep: what the device gets per level', () => {
  it('config: measure defaults to size with 20 latency rounds; unknown values are refused', () => {
    const c = parseSweepConfig({});
    expect([c.measure, c.latencyRuns]).toEqual(['size', 20]);
    expect(() => parseSweepConfig({ measure: 'power' })).toThrow(/measure/);
    expect(() => parseSweepConfig({ latencyRuns: 0 })).toThrow(/latencyRuns/);
  });

  it('latency: each level timed in onnxruntime-node against the dense file in the same rounds; sizes are the export file', async () => {
    const rec = await sweep('sw-measure-chan', { family: 'channel', levels: [0, 0.5], measure: 'latency', latencyRuns: 4 });
    expect(rec.version).toBe(4);
    const [l0, l50] = rec.levels;
    for (const l of rec.levels) {
      const m = l.measured!;
      const t = m.latency!;
      expect(t.runtime).toBe('onnxruntime-node');
      expect([t.threads, t.runs, t.warmup]).toEqual([1, 4, 3]);
      expect(t.inputShape).toEqual([1, ...rec.inputShape]);
      expect(t.medianMs).toBeGreaterThan(0);
      expect(t.dense.medianMs).toBeGreaterThan(0);
      expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
      expect(t.q25Ms).toBeLessThanOrEqual(t.q75Ms);
      expect(t.speedup).toBeCloseTo(t.dense.medianMs / t.medianMs, 12);
      // The scored graph plus the export's metadata (run id, level, disclaimer).
      expect(m.fileBytes).toBeGreaterThan(l.onnxBytes!);
      expect(m.gzipBytes).toBeLessThan(m.fileBytes);
    }
    expect(l50.measured!.fileBytes).toBeLessThan(0.6 * l0.measured!.fileBytes);

    // The export job writes this level (channel 50 %, fp32 ONNX): the sweep recorded that file's bytes.
    const outDir = path.join(root, 'export-chan-50');
    await runExportJob(
      {
        runDir: path.join(root, runId),
        sparsity: 0.5,
        family: 'channel',
        channelCriterion: 'l1',
        scope: 'global',
        keepFirstLast: false,
        reestimateBatchNorm: false,
        formats: ['onnx'],
        weights: ['fp32'],
        outDir,
        overwrite: false,
      },
      { latency: { runs: 2, warmup: 1 } },
    );
    const file = fs.readFileSync(path.join(outDir, 'model.onnx'));
    expect(l50.measured!.fileBytes).toBe(file.length);
    expect(l50.measured!.gzipBytes).toBe(gzipSync(file, { level: 9 }).length);
  });

  it('size measures the file only; none records nothing; the unstructured family keeps its file size', async () => {
    const size = await sweep('sw-measure-size', { levels: [0, 0.9], measure: 'size', scorer: 'tfjs' });
    for (const l of size.levels) {
      expect(l.measured!.fileBytes).toBeGreaterThan(0);
      expect(l.measured!.latency).toBeUndefined();
    }
    // Zeros are stored: the same file size (up to the level written in the metadata, "0" vs "0.9"), smaller gzip.
    expect(size.levels[1].measured!.fileBytes - size.levels[0].measured!.fileBytes).toBe('0.9'.length - '0'.length);
    expect(size.levels[1].measured!.gzipBytes).toBeLessThan(size.levels[0].measured!.gzipBytes);
    const none = await sweep('sw-measure-none', { levels: [0.5], measure: 'none', scorer: 'tfjs' });
    expect(none.config.measure).toBe('none');
    expect(none.levels[0].measured).toBeUndefined();
  });

  it('a version-3 record (before measurements) reads without them and says measure none', async () => {
    const file = sweepPaths(root, runId, 'sw-measure-size').record;
    const v4 = JSON.parse(fs.readFileSync(file, 'utf8'));
    const { measure: _m, latencyRuns: _r, ...config } = v4.config;
    const levels = v4.levels.map(({ measured: _x, ...l }: Record<string, unknown>) => l);
    fs.writeFileSync(file, JSON.stringify({ ...v4, version: 3, config, levels }));
    const read = await readSweepRecord(root, runId, 'sw-measure-size');
    expect(read.version).toBe(4);
    expect([read.config.measure, read.config.latencyRuns]).toEqual(['none', 20]);
    expect(read.levels.map((l) => l.measured)).toEqual([undefined, undefined]);
    expect(read.levels.map((l) => l.summary)).toEqual(v4.levels.map((l: { summary: unknown }) => l.summary));
  });

  it('var-studio sweep --measure latency prints the measured file and speed-up per level', async () => {
    const c = captureIo();
    expect(await sweepCommand.run([path.join(root, runId), '--levels', '0,0.5', '--measure', 'latency', '--latency-runs', '3'], c.io)).toBe(
      0,
    );
    const lines = c.out.filter((l) => l.includes('measured:'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /fp32 ONNX file .+, gzip .+; [\d.]+ ms median in onnxruntime-node, dense [\d.]+ ms in the same 3 rounds: speed not called \([\d.]+x from only 3 runs\)$/,
    );
    // The table's size column is the measured file's size, not the scored in-memory export's.
    for (const line of lines) {
      const file = /fp32 ONNX file (.+?), gzip/.exec(line)![1];
      expect(c.out[c.out.indexOf(line) - 1]).toContain(` ${file} `);
    }
    const bad = captureIo();
    expect(await sweepCommand.run([path.join(root, runId), '--measure', 'power'], bad.io)).toBe(1);
    expect(bad.errors()).toMatch(/measure/);
  });
});
