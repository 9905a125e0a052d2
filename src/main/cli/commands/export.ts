/** `var-studio export RUN_DIR --sparsity 0.9 --format onnx|tfjs|tflite ...`: the Export view's job, for scripts. */
import { isStudioError, StudioError } from '../../../shared/errors';
import { baselineText, formatBytes, latencyText, memoryText, opsLine } from '../../../shared/export/markdown';
import {
  canonicalWeightPrecision,
  ExportFormatSchema,
  PRECISION_FORMATS,
  WEIGHT_PRECISIONS,
  type ExportFormat,
  type ExportResult,
  type WeightPrecision,
} from '../../../shared/export/schemas';
import { existingTargets, exportTargets, unsupportedPairs } from '../../../node/export/paths';
import type { CliCommand, CliIO } from '../types';
import { reportStudioError } from '../errors';
import { percent } from '../../../shared/format/percent';
import { parseCommandArgs } from '../args';

const USAGE = [
  'Usage: var-studio export RUN_DIR --sparsity S --format onnx|tfjs|tflite [--weights fp32|fp16|int8-weights|int8-qdq|int8-full]',
  '                         [--scope global|layerwise] [--keep-first-last] [--reestimate-bn]',
  '                         [--family unstructured|channel] [--criterion l1|l2|bn-gamma]',
  '                         [--out DIR] [--force] [--latency-runs N] [--json]',
  '',
  '  RUN_DIR            a run directory (holds run.json), e.g. ~/.local/share/var-studio/runs/<run id>',
  '  --sparsity S       fraction of conv weights pruned, 0 <= S < 1 (0 = dense)',
  '  --format F         onnx, tfjs or tflite (a .tflite flatbuffer, run in LiteRT.js); a comma list',
  '                     writes several: onnx,tflite',
  '  --weights W        fp32 (default), fp16, or int8-weights: weight-only int8 kernels, dequantized',
  '                     at load and computed in float32, the smallest file (comma list allowed;',
  '                     the old name int8 is read as int8-weights), or int8-qdq (ONNX only):',
  '                     static int8 that onnxruntime computes with integer kernels (QLinearConv);',
  '                     activation ranges are calibrated (min/max) on 32 training slices evenly',
  '                     spaced over the training split; or int8-full (TFLite only): full-integer',
  '                     int8 (INT8 activations calibrated the same way, INT8 kernels, INT32 bias)',
  '                     that any TFLite runtime computes in int8; a pair a format cannot write',
  '                     (tfjs or tflite x int8-qdq, onnx or tfjs x int8-full) is skipped',
  '  --family           unstructured (default): S of the conv weights set to zero, same network;',
  '                     channel: S of the conv weights removed with whole channels, the network',
  '                     rebuilt physically smaller (docs/pruning-families.md)',
  '  --criterion        channel family: l1 (default), l2 or bn-gamma',
  '  --scope            global (default) or layerwise magnitude pruning',
  '  --keep-first-last  leave the first and last conv layers dense',
  '  --reestimate-bn    recompute BatchNorm statistics on training images after pruning',
  '  --out DIR          output folder (default RUN_DIR/exports/<level>-<format>-<weights>/); it must be',
  '                     new, empty or hold an earlier export, since it is replaced as a whole',
  '  --force            replace an existing export (default: refuse and list its files)',
  '  --latency-runs N   timed runs for the median latency, each file in its own runtime (default 20)',
  '  --json             print the full result as JSON instead of the report',
  '',
  'Each exported file is loaded back (onnxruntime-node, tfjs or LiteRT.js), scored on the validation split and',
  'compared with the float32 pruned model. A model card (MODEL_CARD.md, model-card.json) is written',
  'beside the files. Everything is staged in a hidden folder next to the output and each output folder',
  'is placed with one rename, so the output folders hold the complete previous export or the complete',
  'new one: Ctrl-C or a failure while placing puts the previous folders back, and a placement cut short',
  '(kill -9, power loss) is undone at the next export into the same folder or the next studio start.',
  'Exits 1 with the reason on bad input (checked before any work).',
].join('\n');

function bad(what: string, hint = 'Run `var-studio export --help`'): StudioError {
  return new StudioError({ code: 'bad-input', what, hint });
}

function list<T extends string>(raw: string | undefined, flag: string, allowed: readonly T[], def?: T): T[] {
  if (raw === undefined) {
    if (def) return [def];
    throw bad(`${flag} is required`, `Use one of ${allowed.join(', ')}`);
  }
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const wrong = items.find((i) => !allowed.includes(i as T));
  if (wrong !== undefined || !items.length) throw bad(`unknown ${flag} "${wrong ?? raw}"`, `Use one of ${allowed.join(', ')}`);
  if (new Set(items).size !== items.length) throw bad(`${flag} lists a value twice`);
  return items as T[];
}

function parse(argv: string[]) {
  const parsed = parseCommandArgs('export', {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      sparsity: { type: 'string' },
      format: { type: 'string' },
      weights: { type: 'string' },
      scope: { type: 'string' },
      'keep-first-last': { type: 'boolean' },
      'reestimate-bn': { type: 'boolean' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      family: { type: 'string' },
      criterion: { type: 'string' },
      'latency-runs': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1)
    throw bad(`expected one RUN_DIR, got ${positionals.length}`, 'Usage: var-studio export RUN_DIR --sparsity 0.9 --format onnx');
  if (v.sparsity === undefined) throw bad('--sparsity is required', 'Give the fraction of weights to prune, e.g. --sparsity 0.9');
  const sparsity = Number(v.sparsity);
  if (!Number.isFinite(sparsity) || sparsity < 0 || sparsity >= 1 || v.sparsity.trim() === '')
    throw bad(`invalid --sparsity "${v.sparsity}"`, 'Give a fraction from 0 up to (not including) 1, e.g. 0.9 for 90 %');
  if (v.scope !== undefined && v.scope !== 'global' && v.scope !== 'layerwise')
    throw bad(`unknown --scope "${v.scope}"`, 'Use global or layerwise');
  if (v.family !== undefined && v.family !== 'unstructured' && v.family !== 'channel')
    throw bad(`unknown --family "${v.family}"`, 'Use unstructured or channel');
  const channel = v.family === 'channel';
  if (v.criterion !== undefined && (!channel || !['l1', 'l2', 'bn-gamma'].includes(v.criterion)))
    throw bad(
      channel ? `unknown --criterion "${v.criterion}"` : '--criterion applies to --family channel',
      'Use l1, l2 or bn-gamma with --family channel',
    );
  if (channel && (v.scope !== undefined || v['keep-first-last']))
    throw bad('--scope and --keep-first-last apply to the unstructured family', 'Leave them out with --family channel');
  const runs = v['latency-runs'] === undefined ? 20 : Number(v['latency-runs']);
  if (!Number.isInteger(runs) || runs < 1 || runs > 10000)
    throw bad(`invalid --latency-runs "${v['latency-runs']}"`, 'Give an integer from 1 to 10000');
  return {
    request: {
      runDir: positionals[0],
      sparsity,
      scope: (v.scope ?? 'global') as 'global' | 'layerwise',
      keepFirstLast: !!v['keep-first-last'],
      family: channel ? ('channel' as const) : ('unstructured' as const),
      channelCriterion: (v.criterion ?? 'l1') as 'l1' | 'l2' | 'bn-gamma',
      reestimateBatchNorm: !!v['reestimate-bn'],
      formats: list<ExportFormat>(v.format, '--format', ExportFormatSchema.options),
      weights: list<WeightPrecision>(
        v.weights
          ?.split(',')
          .map((w) => canonicalWeightPrecision(w.trim()))
          .join(','),
        '--weights',
        WEIGHT_PRECISIONS,
        'fp32',
      ),
      ...(v.out ? { outDir: v.out } : {}),
      overwrite: !!v.force,
    },
    latencyRuns: runs,
    json: !!v.json,
  };
}

const pct = (x: number) => percent(x);

function report(r: ExportResult, io: CliIO): void {
  if (r.prune.family === 'channel' && r.prune.channel) {
    const c = r.prune.channel;
    io.out(
      `Run ${r.runId}: channel pruning removed ${pct(c.paramsRemoved)} of the conv weights and ${pct(c.flopsRemoved)} of the conv FLOPs (${c.criterion}, requested ${pct(r.prune.requested)}${r.prune.batchNormReestimated ? ', BatchNorm re-estimated' : ''}); the network was rebuilt with ${c.kernelParams.after} of ${c.kernelParams.before} kernel weights`,
    );
  } else
    io.out(
      `Run ${r.runId}: ${pct(r.prune.achieved)} of the ${r.prune.keepFirstLast ? 'pruned ' : ''}conv weights are zero (${r.prune.scope}, requested ${pct(r.prune.requested)}${r.prune.batchNormReestimated ? ', BatchNorm re-estimated' : ''})`,
    );
  const d4 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
  io.out(
    `Per-case Dice on the ${r.evaluatedOn} split (${r.pruned.lesionCases} of ${r.pruned.cases} cases with a lesion, ${r.pruned.slices} slices): dense ${d4(r.dense.caseDice.mean)}, pruned float32 ${d4(r.pruned.caseDice.mean)}`,
  );
  for (const a of r.artifacts) {
    const s = a.size;
    io.out('');
    io.out(`${a.format} ${a.weights} -> ${a.dir}`);
    io.out(`  files          ${s.files.map((f) => `${f.name} ${formatBytes(f.bytes)}`).join(', ')}`);
    io.out(`  dense bytes    ${s.denseBytes}  (${formatBytes(s.denseBytes)}, float32, ${s.parameters} parameters)`);
    io.out(`  file bytes     ${s.fileBytes}  (${formatBytes(s.fileBytes)})`);
    io.out(
      `  gzip bytes     ${s.gzipBytes}  (${formatBytes(s.gzipBytes)}, ${(s.fileBytes / Math.max(1, s.gzipBytes)).toFixed(2)}x smaller)`,
    );
    io.out(`  quantized      ${s.quantizedBytes}  (weight payload as stored)`);
    io.out(`  non-zeros      ${s.nonZero} of ${s.parameters}`);
    if (s.latency) io.out(`  latency        ${latencyText(s.latency)}`);
    if (s.latency) io.out(`  peak memory    ${memoryText(s.latency)}`);
    const c = a.check;
    const d = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
    if (c.ops)
      io.out(
        c.runtime === 'litert.js'
          ? `  operator set   ${opsLine(c.ops)} (TFLite builtin operators in the file)`
          : `  runs as        ${opsLine(c.ops)} (onnxruntime after graph optimization)`,
      );
    io.out(
      `  per-case Dice  ${d(c.score.caseDice.mean)} exported (${c.runtime}) vs float32 pruned ${d(c.reference.caseDice.mean)}: delta ${c.deltaDice === null ? 'n/a' : `${c.deltaDice >= 0 ? '+' : ''}${c.deltaDice.toFixed(4)}`}, max |dp| ${c.maxAbsProbDiff.toExponential(2)}, ${(100 * c.maskDisagreement).toFixed(3)} % of pixels flip`,
    );
    if (s.verdict) io.out(`  verdict        ${s.verdict.line}`);
    if (s.verdict) io.out(`                 ${baselineText(s.verdict.baseline)}`);
    io.out(`  model card     ${a.card.markdown}`);
  }
  io.out('');
  io.out(r.artifacts[0]?.size.statement ?? '');
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary:
    'Prune a run and export it as ONNX, TensorFlow.js or TFLite (fp32/fp16/int8-weights; int8-qdq for ONNX, int8-full for TFLite) with a size report and model card',
  usage: USAGE,
  async run(argv, io) {
    try {
      const { request, latencyRuns, json } = parse([...argv]);
      const skipped = unsupportedPairs(request);
      if (skipped.length === request.formats.length * request.weights.length)
        throw bad(
          `${skipped.map((p) => `${p.format} ${p.weights}`).join(', ')} cannot be written`,
          'int8-qdq is ONNX only and int8-full TFLite only: pick the matching --format, or int8-weights for any format',
        );
      for (const p of skipped)
        io.err(
          `Note: skipping ${p.format} ${p.weights} (${p.weights} is ${PRECISION_FORMATS[p.weights].join(', ')} only; int8-weights is the smallest file in every format)`,
        );
      if (!request.overwrite) {
        const existing = exportTargets(request).flatMap((t) => existingTargets(t.dir, t.format));
        if (existing.length) {
          io.err(`Error: ${existing.length} export file(s) already exist and were not replaced:`);
          for (const f of existing.slice(0, 10)) io.err(`  ${f}`);
          io.err('Pass --force to replace them, or --out another folder.');
          return 1;
        }
      }
      // Loaded here: the job pulls in tfjs and onnxruntime, which `var-studio --help` should not pay for.
      const { runExportJob } = await import('../../../node/export/job');
      const result = await runExportJob(request, {
        signal: io.signal,
        latency: { runs: latencyRuns },
        progress: {
          report: (p) => {
            if (io.isTTY) io.err(`  [${p.step}/${p.totalSteps}] ${p.message}`);
          },
        },
      });
      if (json) io.out(JSON.stringify(result, null, 2));
      else report(result, io);
      return 0;
    } catch (e) {
      if (isStudioError(e)) return reportStudioError(e, io);
      throw e;
    }
  },
};
