/**
 * int8 on the reference model (docs/quantization.md): the dense float32 ONNX file against
 * int8-weights (weight-only, smallest file) and int8-qdq (static int8, integer kernels), the
 * TensorFlow.js files, and the TFLite files (fp32, int8-weights, int8-full: full-integer int8), all through the export job itself (the numbers `var-studio export` prints:
 * latency in each file's own runtime timed interleaved with the dense float32 model, file and
 * gzip size, per-case Dice of the file on the validation split, the verdict).
 *
 *   npx tsx bench/quantize.ts [--home DIR] [--epochs 2] [--runs 50] [--run RUN_ID] [--formats onnx,tfjs,tflite]
 *
 * Trains the `reference` preset (128x128x3) on phantoms into DIR (default a temp folder; the same
 * data and optimizer as bench/families.ts: bench/reference.ts), then exports it dense (sparsity 0) as ONNX fp32,
 * int8-weights, int8-qdq, tfjs fp32, int8-weights and (with tflite in --formats) TFLite fp32,
 * int8-weights, int8-full; a precision a format cannot write is skipped. `--run` reuses a trained run in DIR.
 * Prints a Markdown table and the JSON of every artifact's size report.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/node/compute/backend';
import { runExportJob } from '../src/node/export/job';
import { formatBytes } from '../src/shared/export/markdown';
import { trainReferenceRun } from './reference';

const { values: v } = parseArgs({
  options: {
    home: { type: 'string' },
    epochs: { type: 'string' },
    runs: { type: 'string' },
    run: { type: 'string' },
    formats: { type: 'string' },
  },
});
const formats = (v.formats ?? 'onnx,tfjs').split(',') as ('onnx' | 'tfjs' | 'tflite')[];
const home = path.resolve(v.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quantize-')));
const runsRoot = path.join(home, 'runs');
const epochs = Number(v.epochs ?? 2);
const runs = Number(v.runs ?? 50);
const log = (s: string) => process.stderr.write(`${s}\n`);

const backend = await initBackend('wasm', { log });
const t0 = performance.now();
const runId = v.run ?? (await trainReferenceRun('quantize-reference', runsRoot, epochs)).id;
log(`run ${runId} ready after ${((performance.now() - t0) / 1000).toFixed(0)} s; exporting`);
const runDir = path.join(runsRoot, runId);
const out = path.join(home, `exports-${Date.now()}`);
const r = await runExportJob(
  {
    runDir,
    sparsity: 0,
    scope: 'global',
    keepFirstLast: false,
    reestimateBatchNorm: false,
    formats,
    weights: ['fp32', 'int8-weights', 'int8-qdq', 'int8-full'],
    outDir: out,
    overwrite: false,
  },
  { latency: { runs, warmup: 5 }, backend },
);
const d = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
console.log(
  `run ${runId}; dense float32 (tfjs) per-case Dice ${d(r.dense.caseDice.mean)} on ${r.pruned.cases} ${r.evaluatedOn} cases (${r.pruned.slices} slices); ${os.loadavg()[0].toFixed(1)} load average (1 min) at the end`,
);
console.log('');
console.log(
  '| file | runtime | runs as | latency median (ms) | dense fp32 same runs (ms) | speed-up | file | gzip | per-case Dice | Δ Dice vs dense | max abs Δp | verdict |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const a of r.artifacts) {
  const s = a.size;
  const v2 = s.verdict!;
  const ops = a.check.ops
    ? Object.entries(a.check.ops)
        .filter(([op]) => /conv|quantize/i.test(op))
        .map(([op, n]) => `${op} x${n}`)
        .join(', ')
    : `tfjs ${s.latency?.backend}`;
  console.log(
    `| ${a.format} ${a.weights} | ${s.latency!.runtime} | ${ops} | ${s.latency!.medianMs.toFixed(2)} | ${v2.baseline.latencyMs.toFixed(2)} | ${v2.speedup.toFixed(2)}x | ${formatBytes(s.fileBytes)} | ${formatBytes(s.gzipBytes)} | ${d(a.check.score.caseDice.mean)} | ${v2.deltaDice === null ? 'n/a' : v2.deltaDice.toFixed(4)} | ${a.check.maxAbsProbDiff.toExponential(1)} | ${v2.line} |`,
  );
}
console.log('');
console.log(
  JSON.stringify(
    r.artifacts.map((a) => ({ format: a.format, weights: a.weights, size: a.size, ops: a.check.ops, deltaDice: a.check.deltaDice })),
    null,
    1,
  ),
);
