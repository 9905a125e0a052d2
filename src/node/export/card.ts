/** Assembles the model card of one export from the run record, the prune summary and the measurements. */
import pkg from '../../../package.json';
import {
  BASE_LIMITATIONS,
  INTENDED_USE,
  QDQ_LIMITATION,
  INT8_FULL_LIMITATION,
  WEIGHT_ONLY_LIMITATION,
  MODEL_CARD_SCHEMA_ID,
  ModelCardSchema,
  type CardLevel,
  type ModelCard,
} from '../../shared/export/card';
import {
  DISCLAIMER,
  type ArtifactCheck,
  type Calibration,
  type ExportFormat,
  type PruneSummary,
  type Score,
  type SizeReportData,
  type WeightPrecision,
} from '../../shared/export/schemas';
import { splitSeed } from '../../shared/run/config';
import type { RunRecord } from '../../shared/run/record';
import type { SweptLevelDice } from './sweep';
import { percent } from '../../shared/format/percent';

export const METRIC_POLICY =
  'Hard masks at probability >= 0.5. Dice: per-case Dice (all slices of a patient as one volume), averaged over the cases with a lesion; ' +
  'IoU the same way. A case or slice whose true mask is empty has no Dice: it is counted in the false-positive rate on lesion-free cases and slices instead. ' +
  'BatchNorm uses its stored statistics (inference mode).';

const QUANTIZATION: Record<ExportFormat, Partial<Record<WeightPrecision, string>>> = {
  onnx: {
    fp32: 'none, float32 weights',
    fp16: 'weight-only float16 kernels, cast to float32 in the graph; biases and BatchNorm float32',
    'int8-weights':
      'weight-only symmetric int8 kernels, per output channel, zero point 0, DequantizeLinear in the graph; biases and BatchNorm float32; computed in float32 (the smallest file, not faster)',
    'int8-qdq':
      'static int8 (QDQ): BatchNorm folded into the convolutions; QuantizeLinear/DequantizeLinear around every convolution; activations uint8 per tensor with ranges calibrated on training slices, weights int8 symmetric per output channel, bias int32; onnxruntime fuses each group into an integer QLinearConv',
  },
  tfjs: {
    fp32: 'none, float32 weights',
    fp16: 'weight-only float16 kernels (weights manifest quantization dtype float16); biases and BatchNorm float32',
    'int8-weights':
      'weight-only 8-bit affine kernels per tensor (manifest quantization dtype uint8, value = q * scale + min, 0 exact); biases and BatchNorm float32',
  },
  tflite: {
    fp32: 'none, float32 weights; BatchNorm folded into the convolutions and ReLU fused into them (as the TFLite converter does)',
    fp16: 'weight-only float16 kernels read through DEQUANTIZE (TFLite float16 quantization); BatchNorm folded, biases float32; computed in float32',
    'int8-weights':
      'weight-only symmetric int8 kernels, per output channel (quantized_dimension 0), zero point 0, read through DEQUANTIZE; BatchNorm folded, biases float32; computed in float32 (the smallest file)',
    'int8-full':
      "full-integer int8 (TFLite int8 quantization spec): BatchNorm folded; INT8 activations per tensor (asymmetric, ranges calibrated on training slices), INT8 kernels symmetric per output channel, INT32 biases; concatenation, pooling and resize share their inputs' parameters, the sigmoid output is fixed at scale 1/256, zero point -128; QUANTIZE after the float32 input and DEQUANTIZE before the float32 output, every other op computes in int8",
  },
};

const HOW_TO_LOAD: Record<ExportFormat, string> = {
  onnx: 'onnxruntime (any runtime with opset 13): InferenceSession.create("model.onnx"); feed "input" float32 NHWC.',
  tfjs: 'TensorFlow.js: tf.loadLayersModel("<url or folder>/model.json"); model.predict(x) with x float32 NHWC.',
  tflite:
    'Any TFLite / LiteRT interpreter (Android, iOS, microcontrollers with the listed builtin operators, LiteRT.js): load "model.tflite", signature serving_default, input "input" float32 NHWC with batch 1, output "output".',
};

export interface CardInput {
  record: RunRecord;
  weightsSource: 'final' | 'checkpoint';
  /** Epochs the exported weights were trained for (RunStore.trainedWeights); undefined: weights saved without the count. */
  weightsEpochs: number | undefined;
  parameters: number;
  prune: PruneSummary;
  kernels: { total: number; nonZero: number };
  evaluatedOn: 'val' | 'test';
  counts: { trainSlices: number | null; valSlices: number | null; evaluatedSlices: number | null; evaluatedCases: number | null };
  /** null in a preview (not evaluated). */
  dense: Score | null;
  pruned: Score | null;
  sweep: SweptLevelDice[];
  export: {
    format: ExportFormat;
    weights: WeightPrecision;
    size: SizeReportData | null;
    check: ArtifactCheck | null;
    calibration?: Calibration;
  } | null;
  now?: Date;
}

const score = (sparsity: number, model: string, s: Score | null): CardLevel =>
  s
    ? { sparsity, source: 'export', model, dice: s.caseDice.mean, iou: s.caseIoU.mean, cases: s.cases }
    : { sparsity, source: 'export', model: `${model}, not evaluated in the preview`, dice: null };

function dataSource(r: RunRecord): { source: string; kind: string } {
  const d = r.config.data;
  if (d.kind === 'phantoms')
    return {
      source: `built-in FLAIR-like brain phantoms (${d.count} cases x ${d.slicesPerCase} slices, ${d.size} px, seed ${d.seed})`,
      kind: 'synthetic phantoms',
    };
  // Layout choices (channel order, which labels are lesion) are part of what the model expects.
  const parts = [
    d.format ?? 'folder (format detected)',
    ...(d.channels ? [`channels in order: ${d.channels.join(', ')}`] : []),
    ...(d.labels ? [`lesion = label${d.labels.length > 1 ? 's' : ''} ${d.labels.join(', ')}`] : []),
  ];
  return { source: d.path, kind: parts.join('; ') };
}

export function buildModelCard(c: CardInput): ModelCard {
  const r = c.record;
  const cfg = r.config;
  const o = cfg.optimizer;
  const e = c.export;
  const levels: CardLevel[] = [
    score(0, 'dense, float32 (tfjs)', c.dense),
    ...(c.prune.requested > 0 ? [score(c.prune.achieved, 'pruned, float32 (tfjs)', c.pruned)] : []),
    ...(e?.check
      ? [
          {
            sparsity: c.prune.achieved,
            source: 'export' as const,
            model: `exported ${e.format} ${e.weights} (${e.check.runtime})`,
            dice: e.check.score.caseDice.mean,
            iou: e.check.score.caseIoU.mean,
            cases: e.check.score.cases,
          },
        ]
      : []),
    ...c.sweep.map((l) => ({ sparsity: l.sparsity, source: 'sweep' as const, model: `pruned, float32 (${l.label})`, dice: l.dice })),
  ];
  const quantLimitation =
    e?.weights === 'int8-qdq' ? QDQ_LIMITATION : e?.weights === 'int8-full' ? INT8_FULL_LIMITATION : WEIGHT_ONLY_LIMITATION;
  const limitations = [...BASE_LIMITATIONS, quantLimitation];
  if (cfg.data.kind === 'phantoms')
    limitations.unshift('Trained and evaluated on synthetic phantoms only: it has never seen a real patient scan.');
  if (c.weightsSource === 'checkpoint')
    limitations.unshift(`Exported from the last checkpoint of a run that is ${r.status}, not from a completed run.`);
  if (c.counts.evaluatedCases !== null && c.counts.evaluatedCases < 10)
    limitations.push(`The metrics come from only ${c.counts.evaluatedCases} case(s); their uncertainty is large.`);
  const size = cfg.model.inputSize;
  const card: ModelCard = {
    schema: MODEL_CARD_SCHEMA_ID,
    name: `${cfg.name} @ ${percent(c.prune.requested)} ${c.prune.family === 'channel' ? 'channel-pruned' : 'sparsity'}${e ? ` (${e.format} ${e.weights})` : ''}`,
    createdAt: (c.now ?? new Date()).toISOString(),
    studioVersion: pkg.version,
    run: { id: r.id, name: cfg.name, status: r.status },
    model: {
      architecture: `${cfg.model.preset ?? cfg.model.encoder} (UNet, encoder ${cfg.model.encoder}, width x${cfg.model.widthMultiplier})`,
      config: { ...cfg.model },
      parameters: c.parameters,
      // TFLite files have a fixed shape: one image at a time.
      input: {
        name: 'input',
        shape: [e?.format === 'tflite' ? 1 : 'N', size, size, cfg.model.inChannels],
        dtype: 'float32',
        preprocessing: `Each slice resized to ${size}x${size}, intensities clipped to the case's 1-99 percentiles and z-scored per case and channel.`,
      },
      output: {
        shape: [e?.format === 'tflite' ? 1 : 'N', size, size, 1],
        meaning: 'Sigmoid probability of lesion per pixel; threshold 0.5 for a mask.',
      },
    },
    export: e
      ? {
          format: e.format,
          weights: e.weights,
          quantization: QUANTIZATION[e.format][e.weights] ?? `${e.weights} is not written as ${e.format}`,
          ...(e.calibration ? { calibration: e.calibration } : {}),
          files: e.size?.files ?? [],
          howToLoad: HOW_TO_LOAD[e.format],
        }
      : null,
    data: {
      ...dataSource(r),
      split: { train: cfg.split.train, val: cfg.split.val, test: cfg.split.test, by: 'patient', seed: splitSeed(cfg) },
      counts: c.counts,
      evaluatedOn: c.evaluatedOn,
    },
    method: {
      optimizer: o.method,
      varLambda: o.varLambda,
      var: o.varLambda > 0,
      lr: o.lr,
      momentum: o.momentum,
      weightDecay: o.weightDecay,
      ...(o.method !== 'sgd' ? { rho: o.rho } : {}),
      ...(o.method.startsWith('cram') ? { cramSparsities: o.cramSparsities } : {}),
      ...(o.method !== 'sgd' && o.varLambda > 0 ? { ascent: o.ascent } : {}),
      epochs: cfg.epochs,
      // What the exported weights went through, not the record's history (which can miss an epoch
      // checkpointed just before a crash); weights saved without the count fall back to the history.
      epochsCompleted: c.weightsEpochs ?? r.epochs.length,
      batchSize: cfg.batchSize,
      backend: { name: r.backend.name, detail: r.backend.detail, ...(r.backend.adapter ? { adapter: r.backend.adapter } : {}) },
    },
    sparsity: { ...c.prune, kernels: c.kernels.total, kernelsNonZero: c.kernels.nonZero },
    metrics: { policy: METRIC_POLICY, levels, exported: e?.check ?? null },
    size: e?.size ?? null,
    intendedUse: INTENDED_USE,
    limitations,
    disclaimer: DISCLAIMER,
  };
  // Validate before anything is written: a card that does not match its schema is a bug here.
  return ModelCardSchema.parse(card);
}
