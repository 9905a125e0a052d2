import * as tf from '@tensorflow/tfjs';
import type { onnx as O } from 'onnx-proto';
import { StudioError } from '../../shared/errors';
import { GraphBuilder, type WeightStorage } from './onnx-builder';
import { emitLayer } from './onnx-layers';
import { onnx } from './onnx-proto';

export type { WeightStorage } from './onnx-builder';

/** Opset 13: per-axis DequantizeLinear, Resize with nearest_mode, Pad with input pads; runs on any ORT >= 1.6. */
export const ONNX_OPSET = 13;
const IR_VERSION = 7; // the IR that goes with opset 13

export interface OnnxExportOptions {
  /** Storage of the conv kernels; biases and BatchNorm parameters always stay float32. */
  weights?: WeightStorage;
  /** Model-level metadata (key/value) written into the file, e.g. run id and sparsity. */
  metadata?: Record<string, string>;
}

export interface OnnxExport {
  bytes: Uint8Array;
  /** Elements and stored bytes of the kernels, bytes of everything else (float32). */
  stats: { kernelElements: number; kernelBytes: number; otherBytes: number };
  inputName: string;
  outputNames: string[];
}

/**
 * Converts a tfjs LayersModel (NHWC in, NHWC out) into an ONNX model with the same
 * interface: input "input" float32 [N, H, W, C] with a dynamic batch, output "output"
 * [N, H, W, C_out]. Nested functional models are inlined.
 */
export function exportOnnxModel(model: tf.LayersModel, opts: OnnxExportOptions = {}): OnnxExport {
  const storage = opts.weights ?? 'fp32';
  if (!['fp32', 'fp16', 'int8-weights'].includes(storage)) {
    throw new StudioError({ code: 'bad-input', what: `Unknown weight storage "${storage}"`, hint: 'Use fp32, fp16 or int8-weights' });
  }
  if (model.inputs.length !== 1) {
    throw new StudioError({
      code: 'unsupported',
      what: `The model has ${model.inputs.length} inputs`,
      hint: 'Export a single-input segmentation model',
    });
  }
  const b = new GraphBuilder(storage);
  const inputName = b.unique('input');
  const nchw = b.node('Transpose', [inputName], 'input_nchw', { perm: [0, 3, 1, 2] })[0];
  const outs = emitGraph(b, model, [nchw]);
  const outputNames = outs.map((o, i) => b.node('Transpose', [o], i === 0 ? 'output' : `output_${i}`, { perm: [0, 2, 3, 1] })[0]);

  const graph: O.IGraphProto = {
    name: model.name,
    node: b.nodes,
    initializer: b.initializers,
    input: [valueInfo(inputName, model.inputs[0].shape)],
    output: model.outputs.map((t, i) => valueInfo(outputNames[i], t.shape)),
  };
  const proto: O.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'var-studio',
    producerVersion: '0.1.0',
    graph,
    metadataProps: Object.entries({ weights: storage, ...opts.metadata }).map(([key, value]) => ({ key, value })),
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
  return { bytes, stats: { ...b.stats }, inputName, outputNames };
}

/** Just the file bytes (see exportOnnxModel). */
export function exportOnnx(model: tf.LayersModel, opts: OnnxExportOptions = {}): Uint8Array {
  return exportOnnxModel(model, opts).bytes;
}

/** Walks the functional graph from the outputs back to the inputs, emitting each layer call once. */
function emitGraph(b: GraphBuilder, container: tf.LayersModel, inputNames: string[]): string[] {
  const names = new Map<number, string>();
  container.inputs.forEach((t, i) => names.set(t.id, inputNames[i]));
  const visit = (t: tf.SymbolicTensor): string => {
    const known = names.get(t.id);
    if (known !== undefined) return known;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    const ins = node.inputTensors.map(visit);
    const outs = layer instanceof tf.LayersModel ? emitGraph(b, layer, ins) : emitLayer(b, layer, node.inputTensors, ins);
    node.outputTensors.forEach((o, i) => names.set(o.id, outs[i]));
    return names.get(t.id) as string;
  };
  return tf.tidy(() => container.outputs.map(visit));
}

function valueInfo(name: string, shape: (number | null)[]): O.IValueInfoProto {
  // NHWC with a symbolic batch; unknown spatial sizes become symbolic too.
  const labels = ['N', 'H', 'W', 'C'];
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d, i) => (d == null || i === 0 ? { dimParam: labels[i] ?? `d${i}` } : { dimValue: d })) },
      },
    },
  };
}
