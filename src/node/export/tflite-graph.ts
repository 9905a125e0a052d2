/**
 * tfjs-layers -> the float graph the TFLite writers emit: one node per TFLite operation, NHWC like
 * tfjs, so every layer maps without transposes. Like TFLite's own converter, each BatchNorm after
 * a convolution is folded into it and each ReLU after a convolution or an add becomes the op's
 * fused activation, so the file runs conv -> conv with no per-channel ops in between.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import { Activation, Padding, type OpOptions } from './tflite-schema';

/** The signature names, as LiteRT and TFLite interpreters list them. */
export const TFLITE_INPUT = 'input';
export const TFLITE_OUTPUT = 'output';

type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;

export interface Value {
  id: number;
  shape: number[];
  name: string;
}

export type Act = 'NONE' | 'RELU';
export type Node =
  | {
      op: 'conv';
      input: Value;
      out: Value;
      kernel: Float32Array;
      kshape: number[];
      bias: Float32Array;
      padding: number;
      strides: [number, number];
      dilations: [number, number];
      act: Act;
    }
  | { op: 'bn'; input: Value; out: Value; scale: Float32Array; shift: Float32Array }
  | { op: 'relu' | 'logistic'; input: Value; out: Value }
  | { op: 'add'; inputs: [Value, Value]; out: Value; act: Act }
  | { op: 'concat'; inputs: Value[]; out: Value; axis: number }
  | { op: 'maxpool'; input: Value; out: Value; padding: number; strides: [number, number]; pool: [number, number] }
  | { op: 'resize'; input: Value; out: Value; size: [number, number] };

type NodeOf<K extends Node['op']> = Extract<Node, { op: K }>;

/** TFLite's fused activation for a node's Act: the same in the float and the int8 writer. */
export const fusedActivation = (a: Act): number => (a === 'RELU' ? Activation.RELU : Activation.NONE);

/** CONV_2D options of a conv node (float and int8 writers alike; only the tensors differ). */
export const convOptions = (nd: NodeOf<'conv'>): OpOptions => ({
  kind: 'conv',
  padding: nd.padding,
  strideW: nd.strides[1],
  strideH: nd.strides[0],
  activation: fusedActivation(nd.act),
  dilationW: nd.dilations[1],
  dilationH: nd.dilations[0],
});

/** MAX_POOL_2D options of a maxpool node. */
export const poolOptions = (nd: NodeOf<'maxpool'>): OpOptions => ({
  kind: 'pool',
  padding: nd.padding,
  strideW: nd.strides[1],
  strideH: nd.strides[0],
  filterW: nd.pool[1],
  filterH: nd.pool[0],
});

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v as number, v as number]);
const data = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);

function unsupported(layer: Layer, what: string): StudioError {
  return new StudioError({
    code: 'unsupported',
    what: `Layer "${layer.name}" (${layer.getClassName()}): ${what} has no TFLite mapping here`,
    hint: 'Export a ResNet-UNet built by the studio (Conv2D, BatchNorm, ReLU, Add, Concatenate, UpSampling2D nearest, MaxPooling2D), or use ONNX',
  });
}

function variable(layer: Layer, prop: string): tf.Tensor {
  const v = (layer as unknown as Record<string, tf.LayerVariable | null | undefined>)[prop];
  if (!v) throw unsupported(layer, `missing weight "${prop}"`);
  return v.read();
}

function padding(layer: Layer, p: unknown): number {
  if (p === 'same') return Padding.SAME; // TFLite SAME is TF's 'same' (the extra pad at the end)
  if (p === 'valid') return Padding.VALID;
  throw unsupported(layer, `padding "${String(p)}"`);
}

/** The float graph of a model: nodes in topological order, the input and the output values. */
class Graph {
  readonly nodes: Node[] = [];
  private next = 0;
  value(name: string, shape: number[]): Value {
    return { id: this.next++, shape, name };
  }
}

function emitLayer(g: Graph, layer: Layer, ins: Value[]): Value {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Config;
  const n = layer.name;
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, `data format ${String(cfg.dataFormat)}`);
  // Single-input layers take one shape (some return it unchanged), merge layers a list.
  const outShape = layer.computeOutputShape(ins.length === 1 ? ins[0].shape : ins.map((v) => v.shape)) as number[];
  const out = (name = n) => g.value(name, outShape);
  const act = (x: Value, a: unknown): Value => {
    if (a === undefined || a === null || a === 'linear') return x;
    if (a === 'relu' || a === 'sigmoid') {
      const y = out(`${n}/${a}`);
      g.nodes.push({ op: a === 'relu' ? 'relu' : 'logistic', input: x, out: y });
      return y;
    }
    throw unsupported(layer, `activation "${String(a)}"`);
  };
  switch (cls) {
    case 'Conv2D': {
      const kt = variable(layer, 'kernel'); // [kh, kw, in, out]
      const w = (kt as tf.Tensor4D).transpose([3, 0, 1, 2]); // TFLite filter layout: [out, kh, kw, in]
      const kshape = w.shape;
      const kernel = data(w);
      w.dispose();
      const bias = cfg.useBias ? data(variable(layer, 'bias')) : new Float32Array(kshape[0]);
      const y = out(cfg.activation && cfg.activation !== 'linear' ? `${n}/conv` : n);
      g.nodes.push({
        op: 'conv',
        input: ins[0],
        out: y,
        kernel,
        kshape,
        bias,
        padding: padding(layer, cfg.padding),
        strides: pair(cfg.strides),
        dilations: pair(cfg.dilationRate ?? 1),
        act: 'NONE',
      });
      return act(y, cfg.activation);
    }
    case 'BatchNormalization': {
      const axis = cfg.axis as number;
      if (axis !== -1 && axis !== 3) throw unsupported(layer, `axis ${axis}`);
      const mean = data(variable(layer, 'movingMean'));
      const variance = data(variable(layer, 'movingVariance'));
      const c = mean.length;
      const gamma = cfg.scale ? data(variable(layer, 'gamma')) : new Float32Array(c).fill(1);
      const beta = cfg.center ? data(variable(layer, 'beta')) : new Float32Array(c);
      const eps = cfg.epsilon as number;
      // y = (x - mean) * gamma / sqrt(var + eps) + beta = x * scale + shift
      const scale = gamma.map((gm, i) => gm / Math.sqrt(variance[i] + eps));
      const shift = beta.map((b, i) => b - mean[i] * scale[i]);
      const y = out();
      g.nodes.push({ op: 'bn', input: ins[0], out: y, scale, shift });
      return y;
    }
    case 'Activation':
      return act(ins[0], cfg.activation);
    case 'ReLU': {
      if (cfg.maxValue != null) throw unsupported(layer, `ReLU with a maximum`);
      return act(ins[0], 'relu');
    }
    case 'Add': {
      let acc = ins[0];
      for (let i = 1; i < ins.length; i++) {
        const y = out(i === ins.length - 1 ? n : `${n}_${i}`);
        g.nodes.push({ op: 'add', inputs: [acc, ins[i]], out: y, act: 'NONE' });
        acc = y;
      }
      return acc;
    }
    case 'Concatenate': {
      const axis = cfg.axis as number;
      const y = out();
      g.nodes.push({ op: 'concat', inputs: ins, out: y, axis: axis < 0 ? axis + 4 : axis });
      return y;
    }
    case 'UpSampling2D': {
      if ((cfg.interpolation ?? 'nearest') !== 'nearest') throw unsupported(layer, 'bilinear upsampling');
      // tfjs's resizeNearestNeighbor runs with align_corners = half_pixel_centers = false, TFLite's defaults.
      const y = out();
      g.nodes.push({ op: 'resize', input: ins[0], out: y, size: [outShape[1], outShape[2]] });
      return y;
    }
    case 'MaxPooling2D': {
      const pool = pair(cfg.poolSize);
      const y = out();
      g.nodes.push({
        op: 'maxpool',
        input: ins[0],
        out: y,
        padding: padding(layer, cfg.padding),
        strides: pair(cfg.strides ?? cfg.poolSize),
        pool,
      });
      return y;
    }
    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
      return ins[0]; // identity at inference
    default:
      throw unsupported(layer, 'this layer type');
  }
}

/** Walks the functional graph from the outputs back to the inputs, emitting each layer call once (nested models inlined). */
function emitGraph(g: Graph, container: tf.LayersModel, inputs: Value[]): Value[] {
  const values = new Map<number, Value>();
  container.inputs.forEach((t, i) => values.set(t.id, inputs[i]));
  const visit = (t: tf.SymbolicTensor): Value => {
    const known = values.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    const ins = node.inputTensors.map(visit);
    if (node.outputTensors.length !== 1) throw unsupported(layer, 'several outputs');
    const out = layer instanceof tf.LayersModel ? emitGraph(g, layer, ins)[0] : emitLayer(g, layer, ins);
    values.set(node.outputTensors[0].id, out);
    return out;
  };
  let outs: Value[] = [];
  tf.tidy(() => {
    outs = container.outputs.map(visit); // the kernel transposes are freed here
  });
  return outs;
}

function consumers(nodes: Node[]): Map<number, number> {
  const count = new Map<number, number>();
  for (const nd of nodes) for (const v of 'inputs' in nd ? nd.inputs : [nd.input]) count.set(v.id, (count.get(v.id) ?? 0) + 1);
  return count;
}

/**
 * Folds each BatchNorm into the convolution before it (W' = W * scale per output channel,
 * b' = b * scale + shift) and fuses each ReLU into the convolution or add before it, when that
 * op's output feeds nothing else. Returns the nodes left.
 */
function fuse(nodes: Node[], output: Value): Node[] {
  const producer = new Map<number, Node>();
  for (const nd of nodes) producer.set(nd.out.id, nd);
  const dropped = new Set<Node>();
  const count = consumers(nodes);
  for (const nd of nodes) {
    if (nd.op !== 'bn' && nd.op !== 'relu') continue;
    const p = producer.get(nd.input.id);
    if (!p || dropped.has(p) || count.get(nd.input.id) !== 1 || nd.input.id === output.id) continue;
    if (nd.op === 'bn' && p.op === 'conv' && p.act === 'NONE') {
      const per = p.kernel.length / p.kshape[0];
      for (let c = 0; c < p.kshape[0]; c++) {
        for (let i = c * per; i < (c + 1) * per; i++) p.kernel[i] *= nd.scale[c];
        p.bias[c] = p.bias[c] * nd.scale[c] + nd.shift[c];
      }
    } else if (nd.op === 'relu' && (p.op === 'conv' || p.op === 'add') && p.act === 'NONE') {
      p.act = 'RELU';
    } else continue;
    p.out = nd.out;
    producer.set(nd.out.id, p);
    dropped.add(nd);
  }
  return nodes.filter((nd) => !dropped.has(nd));
}

export interface FloatGraph {
  input: Value;
  output: Value;
  /** In topological order, BatchNorms folded and ReLUs fused. */
  nodes: Node[];
  /** BatchNorms folded into the convolution before them. */
  foldedBatchNorms: number;
}

/** The fused float graph of a single-input tfjs LayersModel (NHWC), input [1, H, W, C]. */
export function floatGraph(model: tf.LayersModel): FloatGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new StudioError({
      code: 'unsupported',
      what: `The model has ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
      hint: 'Export a single-input, single-output segmentation model',
    });
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || inShape.slice(1).some((d) => d == null))
    throw new StudioError({ code: 'unsupported', what: 'The model has dynamic spatial shapes', hint: 'Build it with a fixed inputSize' });
  const g = new Graph();
  const input = g.value(TFLITE_INPUT, [1, ...(inShape.slice(1) as number[])]);
  const [output] = emitGraph(g, model, [input]);
  const nodes = fuse(g.nodes, output);
  const bns = (ns: Node[]) => ns.filter((nd) => nd.op === 'bn').length;
  return { input, output, nodes, foldedBatchNorms: bns(g.nodes) - bns(nodes) };
}

/** Little-endian bytes of a typed array (a flatbuffer Buffer's payload). */
export function le(a: Float32Array | Uint16Array | Int8Array | Int32Array): Uint8Array {
  const out = new Uint8Array(a.length * a.BYTES_PER_ELEMENT);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(i * 4, a[i], true);
    else if (a instanceof Uint16Array) dv.setUint16(i * 2, a[i], true);
    else if (a instanceof Int32Array) dv.setInt32(i * 4, a[i], true);
    else dv.setInt8(i, a[i]);
  }
  return out;
}
