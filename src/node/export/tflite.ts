/**
 * tfjs-layers -> float TensorFlow Lite flatbuffer, for the studio's ResNet-UNet family (the graph
 * with BatchNorm folded and ReLU fused: tflite-graph.ts; full-integer int8: tflite-int8.ts).
 *
 * Weight storage (conv kernels only; biases stay float32):
 * - `fp32`: FLOAT32 kernels.
 * - `fp16`: FLOAT16 kernels, each read through a DEQUANTIZE op into float32 (TFLite's float16
 *   weight quantization); computed in float32.
 * - `int8-weights`: INT8 kernels, symmetric per output channel, each read through a DEQUANTIZE;
 *   computed in float32, the smallest file.
 * The input shape is fixed (batch 1, the model's input size), as edge runtimes expect.
 */
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import { quantizeInt8PerChannel, toFloat16 } from './quantize';
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
import type { WeightStorage } from './onnx-builder';

/** The DEQUANTIZE version of per-channel int8 kernels (files before this fix said 4, which op_version.cc never assigns to int8). */
export const DEQUANTIZE_PER_CHANNEL_INT8 = 5;

export { TFLITE_INPUT, TFLITE_OUTPUT };

/** The signature name of the i-th probed value in a calibration probe file. */
export const probeName = (i: number) => `probe${i}`;

export interface TfliteExportOptions {
  weights?: WeightStorage;
  /** Key/values stored in the model's metadata, e.g. run id and sparsity. */
  metadata?: Record<string, string>;
}

export interface TfliteExport {
  bytes: Uint8Array;
  /** The builtin operators in the file, with how often each occurs: the operator set a runtime must have. */
  operators: Record<string, number>;
  stats: { kernelElements: number; kernelBytes: number; otherBytes: number };
  inputShape: number[];
}

/** Converts a single-input tfjs LayersModel (NHWC) into a .tflite file with input "input" [1, H, W, C] and output "output". */
export function exportTfliteModel(model: tf.LayersModel, opts: TfliteExportOptions = {}): TfliteExport {
  const storage = opts.weights ?? 'fp32';
  if (!['fp32', 'fp16', 'int8-weights'].includes(storage))
    throw new StudioError({
      code: 'bad-input',
      what: `Unknown weight storage "${storage}" for TFLite`,
      hint: 'Use fp32, fp16 or int8-weights',
    });
  const g = floatGraph(model);
  return writeFloatTflite(g, storage, `var-studio ${model.name} (${storage} kernels)`, opts.metadata ?? {});
}

/**
 * Writes a float graph with the given kernel storage. `probe`: extra values written as outputs
 * (signature names `probeName(i)` after "output"), so a runtime reports their values (calibration).
 */
export function writeFloatTflite(
  g: FloatGraph,
  storage: WeightStorage,
  description: string,
  metadata: Record<string, string>,
  probe: Value[] = [],
): TfliteExport {
  const { input, output, nodes } = g;
  const tensors: TensorDef[] = [];
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const index = new Map<number, number>();
  const stats = { kernelElements: 0, kernelBytes: 0, otherBytes: 0 };
  const tensorOf = (v: Value): number => {
    let i = index.get(v.id);
    if (i === undefined) {
      i = tensors.push({ shape: v.shape, type: TensorType.FLOAT32, buffer: 0, name: v === output ? TFLITE_OUTPUT : v.name }) - 1;
      index.set(v.id, i);
    }
    return i;
  };
  const constant = (name: string, shape: number[], type: number, bytes: Uint8Array, quantization?: TensorDef['quantization']): number => {
    buffers.push(bytes);
    return tensors.push({ shape, type, buffer: buffers.length - 1, name, ...(quantization ? { quantization } : {}) }) - 1;
  };
  const floatConst = (name: string, values: Float32Array, shape: number[]) => {
    const bytes = le(values);
    stats.otherBytes += bytes.length;
    return constant(name, shape, TensorType.FLOAT32, bytes);
  };

  const opcodes: { name: OpName; version: number }[] = [];
  const operators: OperatorDef[] = [];
  const counts: Record<string, number> = {};
  const emit = (name: OpName, version: number, inputs: number[], outputs: number[], options?: OpOptions) => {
    let k = opcodes.findIndex((o) => o.name === name && o.version === version);
    if (k < 0) k = opcodes.push({ name, version }) - 1;
    operators.push({ opcodeIndex: k, inputs, outputs, ...(options ? { options } : {}) });
    counts[name] = (counts[name] ?? 0) + 1;
  };
  /** A conv kernel as stored; returns the float32 tensor the conv reads. */
  const kernel = (name: string, values: Float32Array, shape: number[]): number => {
    stats.kernelElements += values.length;
    if (storage === 'fp32') {
      const bytes = le(values);
      stats.kernelBytes += bytes.length;
      return constant(name, shape, TensorType.FLOAT32, bytes);
    }
    let stored: number;
    if (storage === 'fp16') {
      const bytes = le(toFloat16(values));
      stats.kernelBytes += bytes.length;
      stored = constant(`${name}_fp16`, shape, TensorType.FLOAT16, bytes);
    } else {
      const { q, scales } = quantizeInt8PerChannel(values, shape[0]);
      stats.kernelBytes += q.length + scales.length * 4 + scales.length * 8;
      stored = constant(`${name}_int8`, shape, TensorType.INT8, le(q), { scale: scales, dimension: 0 });
    }
    const f = tensors.push({ shape, type: TensorType.FLOAT32, buffer: 0, name }) - 1;
    // tensorflow/lite/tools/versioning/op_version.cc: DEQUANTIZE 3 reads float16 (or int16), 5 reads
    // per-channel int8 (2 per-tensor int8); runtime_version.cc lists 5 from TFLite 2.7.
    emit('DEQUANTIZE', storage === 'fp16' ? 3 : DEQUANTIZE_PER_CHANNEL_INT8, [stored], [f]);
    return f;
  };

  tensorOf(input);
  for (const nd of nodes) {
    switch (nd.op) {
      case 'conv': {
        const w = kernel(`${nd.out.name}/kernel`, nd.kernel, nd.kshape);
        const b = floatConst(`${nd.out.name}/bias`, nd.bias, [nd.kshape[0]]);
        // op_version.cc gives a float CONV_2D version 1 with or without dilation (2 is int8-weight hybrid).
        emit('CONV_2D', 1, [tensorOf(nd.input), w, b], [tensorOf(nd.out)], convOptions(nd));
        break;
      }
      case 'bn': {
        // A BatchNorm with no conv before it: x * scale + shift, broadcast over the channels.
        const c = nd.scale.length;
        const mid = tensors.push({ shape: nd.out.shape, type: TensorType.FLOAT32, buffer: 0, name: `${nd.out.name}/scaled` }) - 1;
        emit('MUL', 1, [tensorOf(nd.input), floatConst(`${nd.out.name}/scale`, nd.scale, [c])], [mid], {
          kind: 'mul',
          activation: Activation.NONE,
        });
        emit('ADD', 1, [mid, floatConst(`${nd.out.name}/shift`, nd.shift, [c])], [tensorOf(nd.out)], {
          kind: 'add',
          activation: Activation.NONE,
        });
        break;
      }
      case 'relu':
        emit('RELU', 1, [tensorOf(nd.input)], [tensorOf(nd.out)]);
        break;
      case 'logistic':
        emit('LOGISTIC', 1, [tensorOf(nd.input)], [tensorOf(nd.out)]);
        break;
      case 'add':
        emit('ADD', 1, nd.inputs.map(tensorOf), [tensorOf(nd.out)], { kind: 'add', activation: fusedActivation(nd.act) });
        break;
      case 'concat':
        emit('CONCATENATION', 1, nd.inputs.map(tensorOf), [tensorOf(nd.out)], {
          kind: 'concat',
          axis: nd.axis,
          activation: Activation.NONE,
        });
        break;
      case 'maxpool':
        emit('MAX_POOL_2D', 1, [tensorOf(nd.input)], [tensorOf(nd.out)], poolOptions(nd));
        break;
      case 'resize': {
        const size = constant(`${nd.out.name}/size`, [2], TensorType.INT32, le(Int32Array.from(nd.size)));
        emit('RESIZE_NEAREST_NEIGHBOR', 1, [tensorOf(nd.input), size], [tensorOf(nd.out)], { kind: 'resize-nearest' });
        break;
      }
    }
  }
  const operatorSet = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  const bytes = writeTfliteModel({
    description,
    opcodes,
    tensors,
    inputs: [tensorOf(input)],
    outputs: [output, ...probe].map(tensorOf),
    operators,
    buffers,
    signature: { inputs: [TFLITE_INPUT], outputs: [TFLITE_OUTPUT, ...probe.map((_, i) => probeName(i))], key: 'serving_default' },
    metadata: { weights: storage, operators: Object.keys(operatorSet).join(','), ...metadata },
  });
  return { bytes, operators: operatorSet, stats, inputShape: input.shape };
}
