/**
 * int8-full: the full-integer TFLite export, after TFLite's int8 quantization spec
 * (https://ai.google.dev/edge/litert/models/quantization_spec). Every activation is an INT8 tensor
 * (asymmetric per tensor, zero point in [-128, 127]), conv kernels are INT8 symmetric per output
 * channel (zero point 0, quantized_dimension 0), biases INT32 with scale = input scale x kernel
 * scale; BatchNorm is folded and ReLU fused as in the float file (tflite-graph.ts). Only the
 * interface is float32: QUANTIZE after the input, DEQUANTIZE before the output.
 *
 * Activation ranges follow the calibration rule of calibration.ts (the one int8-qdq uses), measured
 * by running the float32 graph in LiteRT.js with every intermediate tensor as an extra output.
 * Constraints of the spec honoured here:
 * - CONCATENATION, MAX_POOL_2D and RESIZE_NEAREST_NEIGHBOR need identical input and output
 *   parameters: the tensors they connect share one range (the union of their calibrated ranges);
 * - LOGISTIC's output has the fixed scale 1/256 and zero point -128.
 * Operator versions are those tensorflow/lite/tools/versioning/op_version.cc assigns to int8 inputs.
 */
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import type { Calibration } from '../../shared/export/schemas';
import { calibrateRanges, calibrationPlan, type CalibrationOptions, type CalibrationPass, type Range } from './calibration';
import { compileTflite, runTfliteNamed } from './litert';
import { activationParams, quantizeInt8PerChannel } from './quantize';
import { probeName, writeFloatTflite, type TfliteExport } from './tflite';
import {
  convOptions,
  floatGraph,
  fusedActivation,
  le,
  poolOptions,
  TFLITE_INPUT,
  TFLITE_OUTPUT,
  type FloatGraph,
  type Value,
} from './tflite-graph';
import { Activation, TensorType, writeTfliteModel, type OpName, type OperatorDef, type OpOptions, type TensorDef } from './tflite-schema';

/** op_version.cc, int8 inputs: CONV_2D 3; ADD, CONCATENATION, MAX_POOL_2D, RESIZE_NEAREST_NEIGHBOR, LOGISTIC, RELU 2; QUANTIZE (float -> int8) 1; DEQUANTIZE (per-tensor int8) 2. */
export const INT8_OP_VERSIONS: Partial<Record<OpName, number>> = {
  CONV_2D: 3,
  ADD: 2,
  CONCATENATION: 2,
  MAX_POOL_2D: 2,
  RESIZE_NEAREST_NEIGHBOR: 2,
  LOGISTIC: 2,
  RELU: 2,
  QUANTIZE: 1,
  DEQUANTIZE: 2,
};

/** The spec's fixed LOGISTIC output: scale 1/256, zero point -128 (covers [0, 1) exactly). */
const LOGISTIC_OUT = { scale: 1 / 256, zeroPoint: -128 };

export interface TfliteInt8Export extends TfliteExport {
  calibration: Calibration;
}

interface Params {
  scale: number;
  zeroPoint: number;
}

/** Union-find over value ids: the values whose quantization parameters must be identical. */
function tiedGroups(g: FloatGraph): Map<number, number> {
  const parent = new Map<number, number>();
  const find = (a: number): number => {
    const p = parent.get(a) ?? a;
    if (p === a) return a;
    const root = find(p);
    parent.set(a, root);
    return root;
  };
  const tie = (a: Value, b: Value) => parent.set(find(a.id), find(b.id));
  for (const nd of g.nodes) {
    if (nd.op === 'concat') nd.inputs.forEach((v) => tie(v, nd.out));
    else if (nd.op === 'maxpool' || nd.op === 'resize') tie(nd.input, nd.out);
  }
  const root = new Map<number, number>();
  for (const v of values(g)) root.set(v.id, find(v.id));
  return root;
}

/** Every activation value of the graph, the input first. */
function values(g: FloatGraph): Value[] {
  return [g.input, ...g.nodes.map((nd) => nd.out)];
}

function unsupported(what: string): StudioError {
  return new StudioError({
    code: 'unsupported',
    what: `int8-full: ${what}`,
    hint: 'Export int8-weights (weight-only) for this model, or int8-qdq as ONNX',
  });
}

/** Runs the float graph in LiteRT.js over the images with every activation as an output; `visit` gets each value's numbers. */
function probePass(g: FloatGraph, probed: Value[], images: Float32Array[]): CalibrationPass {
  return async (visit) => {
    const bytes = writeFloatTflite(g, 'fp32', 'var-studio calibration probe', {}, probed).bytes;
    const model = await compileTflite(bytes);
    try {
      for (const im of images) {
        visit(String(g.input.id), im);
        const outs = await runTfliteNamed(model, TFLITE_INPUT, im, g.input.shape);
        visit(String(g.output.id), outs[TFLITE_OUTPUT]);
        probed.forEach((v, i) => visit(String(v.id), outs[probeName(i)]));
      }
    } finally {
      model.delete();
    }
  };
}

/**
 * The int8-full .tflite of `model`, calibrated on `images` (NHWC float32 slices of the training
 * split, preprocessed like the model's input; pass them all, the slices are picked here).
 */
export async function exportTfliteInt8Model(
  model: tf.LayersModel,
  images: Float32Array[],
  opts: CalibrationOptions & { metadata?: Record<string, string> } = {},
): Promise<TfliteInt8Export> {
  const { picked, method, percentile } = calibrationPlan(images, opts, 'int8-full');
  const g = floatGraph(model);
  for (const nd of g.nodes) if (nd.op === 'bn') throw unsupported(`BatchNorm "${nd.out.name}" has no convolution before it to fold into`);
  // LOGISTIC outputs have fixed parameters: everything else is calibrated.
  const fixed = new Set(g.nodes.filter((nd) => nd.op === 'logistic').map((nd) => nd.out.id));
  const probed = g.nodes.map((nd) => nd.out).filter((v) => v.id !== g.output.id && !fixed.has(v.id));
  const names = values(g)
    .filter((v) => !fixed.has(v.id))
    .map((v) => String(v.id));
  const ranges = await calibrateRanges(names, probePass(g, probed, picked), method, percentile);

  // Tied values share the union of their ranges.
  const root = tiedGroups(g);
  const groupRange = new Map<number, Range>();
  for (const v of values(g)) {
    const r = ranges.get(String(v.id));
    if (!r) continue;
    const k = root.get(v.id) as number;
    const acc = groupRange.get(k) ?? { min: Infinity, max: -Infinity };
    groupRange.set(k, { min: Math.min(acc.min, r.min), max: Math.max(acc.max, r.max) });
  }
  const params = (v: Value): Params => {
    if (fixed.has(v.id)) {
      if ([...root].some(([id, k]) => id !== v.id && k === root.get(v.id)))
        throw unsupported(`the sigmoid output "${v.name}" feeds a concatenation, pooling or resize`);
      return LOGISTIC_OUT;
    }
    return activationParams(groupRange.get(root.get(v.id) as number) as Range, 'int8');
  };

  const tensors: TensorDef[] = [];
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const index = new Map<number, number>();
  const stats = { kernelElements: 0, kernelBytes: 0, otherBytes: 0 };
  const int8Tensor = (v: Value): number => {
    let i = index.get(v.id);
    if (i === undefined) {
      const p = params(v);
      const quantization = { scale: Float32Array.of(p.scale), zeroPoint: [p.zeroPoint], dimension: 0 };
      i = tensors.push({ shape: v.shape, type: TensorType.INT8, buffer: 0, name: `${v.name}/int8`, quantization }) - 1;
      index.set(v.id, i);
    }
    return i;
  };
  const constant = (def: Omit<TensorDef, 'buffer'>, bytes: Uint8Array): number => {
    buffers.push(bytes);
    return tensors.push({ ...def, buffer: buffers.length - 1 }) - 1;
  };
  const opcodes: { name: OpName; version: number }[] = [];
  const operators: OperatorDef[] = [];
  const counts: Record<string, number> = {};
  const emit = (name: OpName, inputs: number[], outputs: number[], options?: OpOptions) => {
    const version = INT8_OP_VERSIONS[name] as number;
    let k = opcodes.findIndex((o) => o.name === name);
    if (k < 0) k = opcodes.push({ name, version }) - 1;
    operators.push({ opcodeIndex: k, inputs, outputs, ...(options ? { options } : {}) });
    counts[name] = (counts[name] ?? 0) + 1;
  };

  const floatIn = tensors.push({ shape: g.input.shape, type: TensorType.FLOAT32, buffer: 0, name: TFLITE_INPUT }) - 1;
  emit('QUANTIZE', [floatIn], [int8Tensor(g.input)]);
  let quantizedConvs = 0;
  for (const nd of g.nodes) {
    switch (nd.op) {
      case 'conv': {
        const cout = nd.kshape[0];
        const { q, scales } = quantizeInt8PerChannel(nd.kernel, cout);
        const w = constant(
          { shape: nd.kshape, type: TensorType.INT8, name: `${nd.out.name}/kernel`, quantization: { scale: scales, dimension: 0 } },
          le(q),
        );
        const xs = params(nd.input).scale;
        const bs = Float32Array.from(scales, (s) => Math.fround(xs * s));
        const bq = Int32Array.from(nd.bias, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / bs[c]))));
        const b = constant(
          { shape: [cout], type: TensorType.INT32, name: `${nd.out.name}/bias`, quantization: { scale: bs, dimension: 0 } },
          le(bq),
        );
        stats.kernelElements += q.length;
        stats.kernelBytes += q.length + 4 * cout + 8 * cout;
        stats.otherBytes += 4 * cout + 4 * cout + 8 * cout;
        emit('CONV_2D', [int8Tensor(nd.input), w, b], [int8Tensor(nd.out)], convOptions(nd));
        quantizedConvs++;
        break;
      }
      case 'relu':
        emit('RELU', [int8Tensor(nd.input)], [int8Tensor(nd.out)]);
        break;
      case 'logistic':
        emit('LOGISTIC', [int8Tensor(nd.input)], [int8Tensor(nd.out)]);
        break;
      case 'add':
        emit('ADD', nd.inputs.map(int8Tensor), [int8Tensor(nd.out)], { kind: 'add', activation: fusedActivation(nd.act) });
        break;
      case 'concat':
        emit('CONCATENATION', nd.inputs.map(int8Tensor), [int8Tensor(nd.out)], {
          kind: 'concat',
          axis: nd.axis,
          activation: Activation.NONE,
        });
        break;
      case 'maxpool':
        emit('MAX_POOL_2D', [int8Tensor(nd.input)], [int8Tensor(nd.out)], poolOptions(nd));
        break;
      case 'resize': {
        const size = constant({ shape: [2], type: TensorType.INT32, name: `${nd.out.name}/size` }, le(Int32Array.from(nd.size)));
        emit('RESIZE_NEAREST_NEIGHBOR', [int8Tensor(nd.input), size], [int8Tensor(nd.out)], { kind: 'resize-nearest' });
        break;
      }
      case 'bn':
        break; // refused above
    }
  }
  const floatOut = tensors.push({ shape: g.output.shape, type: TensorType.FLOAT32, buffer: 0, name: TFLITE_OUTPUT }) - 1;
  emit('DEQUANTIZE', [int8Tensor(g.output)], [floatOut]);

  const calibration: Calibration = {
    method,
    ...(method === 'percentile' ? { percentile } : {}),
    slices: picked.length,
    tensors: names.length,
    foldedBatchNorms: g.foldedBatchNorms,
    quantizedConvs,
  };
  const operatorSet = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  const bytes = writeTfliteModel({
    description: `var-studio ${model.name} (int8-full)`,
    opcodes,
    tensors,
    inputs: [floatIn],
    outputs: [floatOut],
    operators,
    buffers,
    signature: { inputs: [TFLITE_INPUT], outputs: [TFLITE_OUTPUT], key: 'serving_default' },
    metadata: {
      weights: 'int8-full',
      operators: Object.keys(operatorSet).join(','),
      calibration: `${method}${method === 'percentile' ? ` ${percentile}` : ''} over ${picked.length} training slices`,
      ...opts.metadata,
    },
  });
  return { bytes, operators: operatorSet, stats, inputShape: g.input.shape, calibration };
}
