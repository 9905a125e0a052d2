/**
 * The two pruning families side by side on the reference model (docs/pruning-families.md):
 * dense vs 50 % / 75 % channel-pruned vs 90 % unstructured, each as an fp32 ONNX file run in
 * onnxruntime-node (latency, file and gzip size) and scored by the studio sweep (per-case Dice),
 * and as an fp32 .tflite file run in LiteRT.js (latency, size, and per-case Dice of the file's own
 * predictions on the same test slices through the scoring module).
 *
 *   npx tsx bench/families.ts [--home DIR] [--epochs 8] [--runs 20] [--rounds 9] [--run RUN_ID]
 *
 * Trains the `reference` preset (128x128x3) on phantoms into DIR (default a temp folder; the
 * demo's data scale and schedule, bench/reference.ts), sweeps it with both families (onnx scorer,
 * test split, patients neither training nor validation saw; without and with BatchNorm re-estimation on
 * 4x8 training slices), then times the four files in interleaved rounds (each round times every
 * file once in each runtime, `--runs` runs after warm-up). A loaded machine disturbs single timings: the table
 * gives each file's fastest run (the least disturbed) and the median over rounds of its ratio
 * to the dense file timed in the same round. `--run` reuses a trained run in DIR. Prints one
 * markdown table (both runtimes, both file formats, the Dice of the ONNX and the .tflite files)
 * and a JSON line with every number, the validation Dice per epoch and the load average.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/node/compute/backend';
import { exportOnnx } from '../src/node/export/onnx';
import { measureOnnxLatency, measureTfliteLatency } from '../src/node/export/latency';
import { compileTflite, runTfliteBatch } from '../src/node/export/litert';
import { exportTfliteModel } from '../src/node/export/tflite';
import { loadRunSamples } from '../src/node/train/data';
import { scoreProbabilities } from '../src/shared/metrics';
import { readSweepRecord } from '../src/node/sweep/files';
import { runSweep } from '../src/node/sweep/job';
import { loadRunModel } from '../src/node/train/runModel';
import { applyToModel, buildChannelPruned, planChannelPruning, pruneWeights, readWeights } from '../src/shared/prune';
import { parseSweepConfig } from '../src/shared/sweep/config';
import { trainReferenceRun } from './reference';

const { values: v } = parseArgs({
  options: {
    home: { type: 'string' },
    epochs: { type: 'string' },
    runs: { type: 'string' },
    rounds: { type: 'string' },
    run: { type: 'string' },
  },
});
const home = path.resolve(v.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-families-')));
const runsRoot = path.join(home, 'runs');
const epochs = Number(v.epochs ?? 8);
const runs = Number(v.runs ?? 20);
const rounds = Number(v.rounds ?? 9);
const log = (s: string) => process.stderr.write(`${s}\n`);

await initBackend('wasm', { log });
const t0 = performance.now();
const runId = v.run ?? (await trainReferenceRun('families-reference', runsRoot, epochs, log)).id;
log(`run ${runId} trained in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

const sweep = async (sweepId: string, config: Record<string, unknown>) => {
  const out = await runSweep({
    runsRoot,
    sweepId,
    runIds: [runId],
    config: parseSweepConfig({ scorer: 'onnx', split: 'test', ...config }),
    backend: 'wasm',
  });
  if (out.status !== 'completed') throw new Error(`sweep ${sweepId} ${out.status}: ${out.error?.what}`);
  return readSweepRecord(runsRoot, runId, sweepId);
};
const bn = { bnReestimate: { batches: 4, batchSize: 8 } };
const unst = await sweep('sw-families-unstructured', { levels: [0, 0.9] });
const chan = await sweep('sw-families-channel', { family: 'channel', levels: [0.5, 0.75] });
const unstBn = await sweep('sw-families-unstructured-bn', { levels: [0.9], ...bn });
const chanBn = await sweep('sw-families-channel-bn', { family: 'channel', levels: [0.5, 0.75], ...bn });

const { model, record } = await loadRunModel(path.join(runsRoot, runId));
const trained = await readWeights(model);
const { test } = await loadRunSamples(record.config);
// A network that did not learn says nothing about the families: its validation curve goes with the table.
const valCurve = record.epochs.map((e) => e.valCaseDice);
log(`validation per-case Dice per epoch: ${valCurve.map((d) => d?.toFixed(3) ?? '–').join(', ')}`);
const size = record.config.model.inputSize;
/** The .tflite file of a model and the per-case Dice of its own LiteRT.js predictions on the test slices (no BN re-estimation). */
const tflite = async (m: tf.LayersModel) => {
  const bytes = exportTfliteModel(m).bytes;
  const compiled = await compileTflite(bytes);
  const px = size * size * 3;
  const probs = new Float32Array(test.length * size * size);
  for (const [i, s] of test.entries())
    probs.set(await runTfliteBatch(compiled, s.image.subarray(0, px), [1, size, size, 3]), i * size * size);
  compiled.delete();
  return { tflite: bytes, tfliteDice: scoreProbabilities(probs, test, size).summary.caseDice.mean };
};
const artifacts: {
  label: string;
  bytes: Uint8Array;
  tflite: Uint8Array;
  tfliteDice: number | null;
  dice: number | null;
  diceBn: number | null;
  params: number;
}[] = [];
const kernels = (m: tf.LayersModel) =>
  m.weights.filter((w) => w.shape.length > 1).reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
artifacts.push({
  label: 'dense',
  bytes: exportOnnx(model),
  ...(await tflite(model)),
  dice: unst.levels[0].summary.caseDice.mean,
  diceBn: null,
  params: kernels(model),
});
for (const [i, fraction] of [0.5, 0.75].entries()) {
  const smaller = buildChannelPruned(model, trained, planChannelPruning(model, trained, { fraction }));
  artifacts.push({
    label: `channel ${fraction * 100} %`,
    bytes: exportOnnx(smaller),
    ...(await tflite(smaller)),
    dice: chan.levels[i].summary.caseDice.mean,
    diceBn: chanBn.levels[i].summary.caseDice.mean,
    params: kernels(smaller),
  });
  smaller.dispose();
}
applyToModel(model, pruneWeights(trained, { sparsity: 0.9, scope: 'global' }).weights);
artifacts.push({
  label: 'unstructured 90 %',
  bytes: exportOnnx(model),
  ...(await tflite(model)),
  dice: unst.levels[1].summary.caseDice.mean,
  diceBn: unstBn.levels[0].summary.caseDice.mean,
  params: kernels(model),
});
// The sweep scored exactly these files: same sizes.
if (chan.levels[0].onnxBytes !== artifacts[1].bytes.length || unst.levels[1].onnxBytes !== artifacts[3].bytes.length)
  log('warning: the sweep scored ONNX files of other sizes');

const medians: number[][] = artifacts.map(() => []);
const fastest: number[] = artifacts.map(() => Infinity);
const liteMedians: number[][] = artifacts.map(() => []);
const liteFastest: number[] = artifacts.map(() => Infinity);
const loads: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const [i, a] of artifacts.entries()) {
    const l = await measureOnnxLatency(a.bytes, [1, 128, 128, 3], { runs, warmup: 3, threads: 1 });
    medians[i].push(l.medianMs);
    fastest[i] = Math.min(fastest[i], l.minMs);
    const t = await measureTfliteLatency(a.tflite, [1, size, size, 3], { runs, warmup: 3, threads: 1 });
    liteMedians[i].push(t.medianMs);
    liteFastest[i] = Math.min(liteFastest[i], t.minMs);
  }
  loads.push(os.loadavg()[0]);
  log(
    `round ${r + 1}/${rounds}: onnxruntime ${medians.map((t) => t.at(-1)!.toFixed(2)).join(' / ')} ms, LiteRT.js ${liteMedians.map((t) => t.at(-1)!.toFixed(2)).join(' / ')} ms`,
  );
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = artifacts.map((a, i) => ({
  label: a.label,
  fastestMs: fastest[i],
  speedupFastest: fastest[0] / fastest[i],
  // Each round's dense time over this file's time in the same round, median over rounds.
  speedupRounds: median(medians[i].map((m, r) => medians[0][r] / m)),
  kernelParams: a.params,
  fileBytes: a.bytes.length,
  gzipBytes: gzipSync(a.bytes).length,
  caseDice: a.dice,
  caseDiceBn: a.diceBn,
  tflite: {
    fastestMs: liteFastest[i],
    speedupFastest: liteFastest[0] / liteFastest[i],
    speedupRounds: median(liteMedians[i].map((m, r) => liteMedians[0][r] / m)),
    fileBytes: a.tflite.length,
    gzipBytes: gzipSync(a.tflite).length,
    caseDice: a.tfliteDice,
  },
}));
const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const d = (x: number | null) => (x === null ? '–' : x.toFixed(3));
// One table: each file's latency in both runtimes (speed-up = median over rounds of the dense time
// over this file's time in the same round; fastest run in brackets), its sizes and its Dice.
console.log(
  '| model | conv weights | onnxruntime speed-up (fastest ms) | LiteRT.js speed-up (fastest ms) | ONNX fp32 (gzip) | TFLite fp32 (gzip) | per-case Dice, ONNX | per-case Dice, .tflite | Dice with BN re-estimated |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.label} | ${r.kernelParams.toLocaleString('en')} | ${r.speedupRounds.toFixed(2)}x (${r.fastestMs.toFixed(2)}) | ${r.tflite.speedupRounds.toFixed(2)}x (${r.tflite.fastestMs.toFixed(2)}) | ${kb(r.fileBytes)} (${kb(r.gzipBytes)}) | ${kb(r.tflite.fileBytes)} (${kb(r.tflite.gzipBytes)}) | ${d(r.caseDice)} | ${d(r.tflite.caseDice)} | ${d(r.caseDiceBn)} |`,
  );
console.log(
  JSON.stringify({
    runId,
    home,
    epochs,
    runs,
    rounds,
    valCaseDicePerEpoch: valCurve,
    testSlices: unst.slices.length,
    testCases: unst.levels[0].summary.cases,
    lesionCases: unst.levels[0].summary.lesionCases,
    loadAverage1m: loads,
    rows,
    latencyRoundMedians: medians,
    litertRoundMedians: liteMedians,
  }),
);
model.dispose();
