/** MODEL_CARD.md from the card JSON: the same facts, for people. Pure, so the UI previews it too. */
import { backendLabel } from '../backend';
import type { ModelCard } from './card';
import type { Calibration, Score } from './schemas';
import { ASCENT_LABELS, METHOD_LABELS, type OptimizerMethod } from '../train/optimizerConfig';
import { percent } from '../format/percent';

const pct = (v: number) => percent(v, { digits: v > 0 && v < 0.01 ? 2 : 1 });
const num = (v: number | null | undefined, digits = 4) => (v == null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

const rate = (r: Score['falsePositiveEmptySlices']) => (r.rate === null ? 'n/a' : `${r.withPrediction}/${r.n}`);
const scoreLine = (s: Score) =>
  `per-case Dice ${num(s.caseDice.mean)} (± ${num(s.caseDice.std, 3)} over ${s.lesionCases} cases with a lesion), per-case IoU ${num(s.caseIoU.mean)}, lesion-slice Dice ${num(s.lesionSliceDice.mean)}, lesion-free slices with a false positive ${rate(s.falsePositiveEmptySlices)}`;

type LatencyData = NonNullable<ModelCard['size']>['latency'] & object;
type BaselineData = NonNullable<NonNullable<ModelCard['size']>['verdict']>['baseline'];

const FORMAT_LABELS = { onnx: 'ONNX', tfjs: 'TensorFlow.js layers', tflite: 'TensorFlow Lite (.tflite flatbuffer)' } as const;

/** `3.21 ms (onnxruntime-node CPU, 1 thread, batch 1, 20 runs)`: the runtime the artifact runs in. */
export function latencyText(l: LatencyData): string {
  const threads = `${l.threads} thread${l.threads > 1 ? 's' : ''}`;
  const where =
    l.runtime === 'tfjs'
      ? `tfjs ${l.backend ?? ''} backend`.replace('  ', ' ')
      : l.runtime === 'litert.js'
        ? `LiteRT.js ${l.backend ?? 'CPU'}, ${threads}`
        : `onnxruntime-node ${l.device.toUpperCase()}, ${threads}`;
  return `${l.medianMs.toFixed(2)} ms (${where}, batch ${l.inputShape[0]}, median of ${l.runs} runs)`;
}

export function memoryText(l: LatencyData): string {
  if (l.peakBytes === undefined) return 'not measured';
  return l.peakBytes === null
    ? `n/a (${l.memory ?? 'not reported by the runtime'})`
    : `${formatBytes(l.peakBytes)} (${l.memory ?? 'as the runtime reports it'})`;
}

export function baselineText(b: BaselineData): string {
  return `Measured against the dense float32 model in ${b.runtime} on this machine: ${b.latencyMs.toFixed(2)} ms, file ${formatBytes(b.fileBytes)}, gzip ${formatBytes(b.gzipBytes)}, per-case Dice ${num(b.dice)}; one run, timings vary with machine load.`;
}

export function calibrationLine(c: Calibration): string {
  return `${c.method === 'percentile' ? `percentile ${c.percentile} (and ${+(100 - (c.percentile ?? 100)).toFixed(4)})` : 'min/max'} over ${c.slices} training slices (evenly spaced over the training split); ${c.tensors} activation tensors, ${c.quantizedConvs} convolutions quantized, ${c.foldedBatchNorms} BatchNorms folded`;
}

/** `QLinearConv x16, Conv x0, ...`, integer ops first. */
export function opsLine(ops: Record<string, number>): string {
  const integer = (op: string) => /^QLinear|Integer$/.test(op);
  return Object.entries(ops)
    .sort((a, b) => Number(integer(b[0])) - Number(integer(a[0])) || b[1] - a[1])
    .map(([op, n]) => `${op} x${n}`)
    .join(', ');
}

export function renderModelCardMarkdown(c: ModelCard): string {
  const m = c.method;
  const out: string[] = [
    `# Model card: ${c.name}`,
    '',
    `> **Disclaimer: ${c.disclaimer}.** Research software; the outputs must not be used to diagnose, treat or triage patients.`,
    '',
    `Created ${c.createdAt} by VAR Studio ${c.studioVersion} from run \`${c.run.id}\` (${c.run.name}, ${c.run.status}).`,
    '',
    '## Model',
    '',
    `- Architecture: ${c.model.architecture}, ${c.model.parameters.toLocaleString('en-US')} parameters`,
    `- Input \`${c.model.input.name}\`: float32 [${c.model.input.shape.join(', ')}] (NHWC). ${c.model.input.preprocessing}`,
    `- Output: [${c.model.output.shape.join(', ')}]. ${c.model.output.meaning}`,
  ];
  if (c.export) {
    out.push(
      `- Format: ${FORMAT_LABELS[c.export.format]}, weights ${c.export.weights} (${c.export.quantization})`,
      ...(c.export.calibration ? [`- Calibration: ${calibrationLine(c.export.calibration)}`] : []),
      `- Files: ${c.export.files.map((f) => `\`${f.name}\` (${formatBytes(f.bytes)})`).join(', ')}`,
      `- Load: ${c.export.howToLoad}`,
    );
  }
  out.push(
    '',
    '## Data',
    '',
    `- Source: ${c.data.source} (${c.data.kind})`,
    `- Split by patient (seed ${c.data.split.seed}): train ${pct(c.data.split.train)}, val ${pct(c.data.split.val)}, test ${pct(c.data.split.test)}`,
    `- Counts: ${c.data.counts.trainSlices ?? 'n/a'} training slices, ${c.data.counts.valSlices ?? 'n/a'} validation slices; metrics below on the ${c.data.evaluatedOn} split${c.data.counts.evaluatedSlices === null ? '' : `: ${c.data.counts.evaluatedSlices} slices of ${c.data.counts.evaluatedCases} cases`}`,
    '',
    '## Method',
    '',
    `- Optimizer: ${METHOD_LABELS[m.optimizer as OptimizerMethod] ?? m.optimizer}${m.var ? ` + VAR (lambda ${m.varLambda})` : ' without VAR (lambda 0)'}, lr ${m.lr}, momentum ${m.momentum}, weight decay ${m.weightDecay}${m.rho !== undefined ? `, rho ${m.rho}` : ''}${m.cramSparsities?.length ? `, CrAM sparsities ${m.cramSparsities.join('/')}` : ''}${m.ascent ? `, ${ASCENT_LABELS[m.ascent]}` : ''}`,
    `- Epochs: ${m.epochsCompleted} of ${m.epochs}, batch ${m.batchSize}`,
    `- Backend: ${backendLabel(m.backend)} (${m.backend.detail})`,
    ...(m.backend.adapter
      ? [
          `- GPU adapter: vendor ${m.backend.adapter.vendor || 'n/a'}, architecture ${m.backend.adapter.architecture || 'n/a'}, ${m.backend.adapter.description || 'no description'}${m.backend.adapter.software ? ' (software: a CPU emulating a GPU)' : ''}`,
        ]
      : []),
    '',
    '## Sparsity',
    '',
    ...(c.sparsity.family === 'channel' && c.sparsity.channel
      ? [
          `- Family: channel pruning. Requested ${pct(c.sparsity.requested)} of the conv weights removed with their channels (${c.sparsity.channel.criterion === 'bn-gamma' ? 'smallest BatchNorm |gamma|' : `smallest filter ${c.sparsity.channel.criterion.toUpperCase()} norm`} first, residual-add channels, stem and head kept; one shot, no fine-tuning${c.sparsity.batchNormReestimated ? ', BatchNorm re-estimated' : ''})`,
          `- Achieved ${pct(c.sparsity.channel.paramsRemoved)} of the conv weights and ${pct(c.sparsity.channel.flopsRemoved)} of the conv FLOPs removed: the network was rebuilt smaller, ${c.sparsity.channel.kernelParams.after.toLocaleString('en-US')} of ${c.sparsity.channel.kernelParams.before.toLocaleString('en-US')} kernel weights remain`,
        ]
      : [
          `- Family: unstructured. Requested ${pct(c.sparsity.requested)} (${c.sparsity.scope} magnitude pruning${c.sparsity.keepFirstLast ? ', first and last layers kept dense' : ''}, one shot, no fine-tuning${c.sparsity.batchNormReestimated ? ', BatchNorm re-estimated' : ''})`,
          `- Achieved ${pct(c.sparsity.achieved)} of the pruned set, ${pct(c.sparsity.overall)} of all kernels: ${c.sparsity.kernelsNonZero.toLocaleString('en-US')} of ${c.sparsity.kernels.toLocaleString('en-US')} kernel weights are non-zero`,
        ]),
    '',
    '## Metrics',
    '',
    c.metrics.policy,
    '',
    ...table(
      ['sparsity', 'model', 'per-case Dice', 'per-case IoU', 'source'],
      c.metrics.levels.map((l) => [pct(l.sparsity), l.model, num(l.dice), num(l.iou ?? null), l.source]),
    ),
    '',
  );
  const e = c.metrics.exported;
  if (e) {
    out.push(
      `Exported file run back on ${e.runtime}: ${scoreLine(e.score)}.`,
      `Float32 pruned model (tfjs): ${scoreLine(e.reference)}.`,
      ...(e.ops
        ? [
            e.runtime === 'litert.js'
              ? `Operator set (TFLite builtin operators in the file, as LiteRT.js runs them): ${opsLine(e.ops)}.`
              : `onnxruntime runs (after its graph optimizations): ${opsLine(e.ops)}.`,
          ]
        : []),
      `Measured change from format and quantization: per-case Dice ${e.deltaDice === null ? 'n/a' : `${e.deltaDice >= 0 ? '+' : ''}${e.deltaDice.toFixed(4)}`}; largest probability difference ${e.maxAbsProbDiff.toExponential(2)}; ${pct(e.maskDisagreement)} of pixels change mask.`,
      '',
    );
  } else {
    out.push('The exported file has not been written or measured yet (preview).', '');
  }
  if (c.size) {
    const s = c.size;
    out.push(
      '## Size',
      '',
      ...table(
        ['dense (fp32) bytes', 'file bytes', 'gzip bytes', 'quantized weight bytes', 'non-zero weights', 'latency (median)', 'peak memory'],
        [
          [
            formatBytes(s.denseBytes),
            formatBytes(s.fileBytes),
            formatBytes(s.gzipBytes),
            formatBytes(s.quantizedBytes),
            `${s.nonZero.toLocaleString('en-US')} of ${s.parameters.toLocaleString('en-US')}`,
            s.latency ? latencyText(s.latency) : 'not measured',
            s.latency ? memoryText(s.latency) : 'not measured',
          ],
        ],
      ),
      '',
      ...(s.verdict ? [`**Verdict:** ${s.verdict.line}. ${baselineText(s.verdict.baseline)}`, ''] : []),
      s.statement,
      '',
    );
  }
  out.push(
    '## Intended use',
    '',
    c.intendedUse,
    '',
    '## Limitations',
    '',
    ...c.limitations.map((l) => `- ${l}`),
    '',
    `**${c.disclaimer}**`,
    '',
  );
  return out.join('\n');
}
