/**
 * One scoring module: the same model on the same images gives the same numbers through the
 * sweep (record), the export check, the experiment's results rows, the report's chart and the
 * Sweep view's chart.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEntries } from '../../../../src/node/experiment/results';
import * as tf from '@tensorflow/tfjs';
import { runExportJob } from '../../../../src/node/export/job';
import { loadRunSamples } from '../../../../src/node/train/data';
import { trainNewRun } from '../../../../src/node/train/job';
import { modelPreset } from '../../../../src/shared/model';
import { readSweepRecord } from '../../../../src/node/sweep/files';
import { runSweep } from '../../../../src/node/sweep/job';
import { saveModelDir } from '../../../../src/node/train/checkpoint';
import { loadRunModel } from '../../../../src/node/train/runModel';
import type { ExportResult } from '../../../../src/shared/export';
import type { GridCell } from '../../../../src/shared/experiment/grid';
import type { RunRecord } from '../../../../src/shared/run/record';
import { parseSweepConfig, type SweepRecord } from '../../../../src/shared/sweep';
import { tinyRunConfig } from '../../helpers/job';
import { diceChart } from '../../../../src/node/report/charts';
import { groupEntries } from '../../../../src/shared/experiment/summary';
import type { Results } from '../../../../src/shared/experiment/results';
import { sweepChart } from '../../../../src/shared/charts/sweepChart';
import { chartData } from '../../../../src/renderer/features/sweep/model';

let root: string;
let run: { record: RunRecord; runDir: string };
let exported: ExportResult;
let sweep: SweepRecord;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'one-path-'));
  const record = await trainNewRun(
    tinyRunConfig({
      name: 'one-path',
      epochs: 1,
      model: modelPreset('reference', { widthMultiplier: 0.25, inputSize: 32 }),
      data: { kind: 'phantoms', count: 8, slicesPerCase: 4, size: 32, seed: 3 },
      split: { train: 0.5, val: 0.25, test: 0.25 },
    }),
    { runsRoot: root },
  );
  run = { record, runDir: path.join(root, record.id) };
  // One epoch predicts no lesion anywhere: shift the head's bias so that the top 3 % of the
  // validation pixels are foreground, and the comparison below is about real masks.
  const loaded = await loadRunModel(run.runDir);
  const val = (await loadRunSamples(record.config)).val;
  const x = tf.tensor4d(Float32Array.from(val.flatMap((v) => Array.from(v.image))), [val.length, 32, 32, 3]);
  const probs = Float32Array.from((await (loaded.model.predict(x) as tf.Tensor).data()) as Float32Array).sort();
  const q = probs[Math.floor(0.97 * probs.length)];
  const head = loaded.model.getLayer('head');
  const [kernel, bias] = head.getWeights();
  head.setWeights([kernel, bias.sub(Math.log(q / (1 - q)))]);
  await saveModelDir(path.join(run.runDir, 'model'), loaded.model, { note: 'head bias shifted by the test' });
  loaded.model.dispose();
  exported = await runExportJob(
    {
      runDir: run.runDir,
      sparsity: 0.5,
      scope: 'global',
      keepFirstLast: false,
      reestimateBatchNorm: false,
      formats: ['onnx'],
      weights: ['fp32'],
      overwrite: false,
    },
    { latency: { runs: 1, warmup: 0 } },
  );
  const out = await runSweep({
    runsRoot: root,
    sweepId: 'sw-one-path',
    runIds: [run.record.id],
    config: parseSweepConfig({ levels: [0, 0.5], scorer: 'tfjs', split: 'val' }),
    backend: 'cpu',
  });
  expect(out.status).toBe('completed');
  sweep = await readSweepRecord(root, run.record.id, 'sw-one-path');
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('one scoring path', () => {
  it('sweep and export check give the same summary for the dense and the pruned model', () => {
    expect(exported.evaluatedOn).toBe('val');
    expect(sweep.levels[0].summary).toEqual(exported.dense);
    expect(sweep.levels[1].summary).toEqual(exported.pruned);
    // Not a vacuous match: the scored set has lesion cases and the model predicts something.
    expect(exported.dense.lesionCases).toBeGreaterThan(0);
    expect(sweep.levels[0].perCase.some((c) => c.predPixels > 0)).toBe(true);
    expect(exported.dense.caseDice.mean).toBeGreaterThan(0);
    expect(exported.dense.caseDice.mean).toBeLessThan(1);
  });

  it('the experiment results rows carry the sweep numbers unchanged', () => {
    const cell = { key: 'k', group: 'g', label: 'SGD', method: 'sgd', varLambda: 0, seed: 1 } as GridCell;
    const rows = runEntries(cell, run.record, { record: sweep, images: { version: 1, size: 16, channel: 1, slices: [] } });
    expect(rows.map((r) => r.caseDice.mean)).toEqual([exported.dense.caseDice.mean, exported.pruned.caseDice.mean]);
    expect(rows[0].perCase.map((c) => c.dice)).toEqual(sweep.levels[0].perCase.map((c) => c.dice));
  });

  it("the report's Dice chart and the Sweep view's chart show the same numbers as the export check", () => {
    const cell = { key: 'k', group: 'g', label: 'SGD', method: 'sgd', varLambda: 0, seed: 1 } as GridCell;
    const rows = runEntries(cell, run.record, { record: sweep, images: { version: 1, size: 16, channel: 1, slices: [] } });
    const results = {
      experiment: { config: { seeds: [1], sweep: { levels: [0, 0.5], scope: 'global' }, report: { headlineLevels: [0.5] } } },
    } as unknown as Results;
    const report = diceChart(groupEntries(rows), results);
    const view = sweepChart(
      chartData([
        {
          run: {
            runId: run.record.id,
            name: 'one-path',
            createdAt: '',
            method: 'sgd',
            varLambda: 0,
            seed: 1,
            inputSize: 32,
            trainingVerdict: 'learned',
            sweeps: [],
          },
          record: sweep,
        },
      ]),
    );
    for (const [level, summary] of [
      ['0%', exported.dense],
      ['50%', exported.pruned],
    ] as const) {
      const value = `at ${level}: mean per-case Dice ${summary.caseDice.mean!.toFixed(3)}`;
      expect(report).toContain(value);
      expect(view).toContain(value);
    }
  });
});

describe('sweep records of version 1', () => {
  it('are read as the current version (3, family unstructured): slice rows renamed, re-scored by the one policy', async () => {
    // The old layout: per-slice rows under `perCase`, a per-slice aggregate, version 1.
    const v1 = {
      ...sweep,
      version: 1,
      levels: sweep.levels.map(({ summary, perSlice, perCase, ...rest }) => ({
        ...rest,
        aggregate: { cases: perSlice.length, dice: { n: 0, mean: 1, std: 0, median: 1 } },
        perCase: perSlice.map((s) => ({
          caseId: s.caseId,
          index: s.index,
          dice: s.dice ?? 1,
          iou: s.iou ?? 1,
          hd95: s.hd95 ?? (s.lesion ? null : 0),
          fpArea: s.fpPixels,
          pred: s.pred,
        })),
        perVolume: [],
      })),
    };
    const file = path.join(run.runDir, 'sweeps', 'sw-old-layout.json');
    fs.writeFileSync(file, JSON.stringify({ ...v1, sweepId: 'sw-old-layout' }));
    const read = await readSweepRecord(root, run.record.id, 'sw-old-layout');
    expect(read.version).toBe(4);
    expect(read.config.family).toBe('unstructured');
    expect(read.config.measure).toBe('none');
    expect(read.levels.map((l) => l.summary)).toEqual(sweep.levels.map((l) => l.summary));
    expect(read.levels.map((l) => l.perSlice)).toEqual(sweep.levels.map((l) => l.perSlice));
    expect(read.levels.map((l) => l.perCase)).toEqual(sweep.levels.map((l) => l.perCase));
  });
});
