/**
 * Graph passes that turn the float32 ONNX export into a QDQ (QuantizeLinear/DequantizeLinear)
 * model: fold BatchNorm into the convolution before it, find the tensors around each Conv, and
 * insert the Q/DQ pairs with given activation ranges. Porting note: this follows the layout of
 * onnxruntime's own `quantize_static` QDQ output (U8S8: uint8 asymmetric activations, int8
 * symmetric per-output-channel weights, int32 bias with scale x_scale * w_scale) so that
 * onnxruntime's QDQ transformer fuses each group into QLinearConv.
 */
import type { onnx as O } from 'onnx-proto';
import { onnx } from './onnx-proto';
import type { Range } from './calibration';
import { activationParams, quantizeInt8PerChannel } from './quantize';

const DT = onnx.TensorProto.DataType;

function floats(t: O.ITensorProto): Float32Array {
  const raw = t.rawData as Uint8Array;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => dv.getFloat32(i * 4, true));
}

function rawOf(a: Float32Array | Int32Array | Int8Array | Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length * a.BYTES_PER_ELEMENT);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(i * 4, a[i], true);
    else if (a instanceof Int32Array) dv.setInt32(i * 4, a[i], true);
    else if (a instanceof Int8Array) dv.setInt8(i, a[i]);
    else dv.setUint8(i, a[i]);
  }
  return out;
}

const attrFloat = (n: O.INodeProto, name: string, def: number) => n.attribute?.find((a) => a.name === name)?.f ?? def;

/** Consumers of each tensor name (node indices), and graph outputs. */
function consumers(g: O.IGraphProto): Map<string, O.INodeProto[]> {
  const m = new Map<string, O.INodeProto[]>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) if (i) m.set(i, [...(m.get(i) ?? []), n]);
  return m;
}

/**
 * Folds every BatchNormalization whose input is a Conv output used by nothing else into that
 * Conv: W' = W * g / sqrt(v + eps) per output channel, b' = (b - mean) * g / sqrt(v + eps) + beta.
 * In place; returns how many were folded. (A quantized Conv must carry the BN, or the BN would
 * run in float32 between two quantized tensors.)
 */
export function foldBatchNorm(g: O.IGraphProto): number {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name as string, t]));
  const outputs = new Set((g.output ?? []).map((o) => o.name));
  const used = consumers(g);
  const producer = new Map<string, O.INodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  const drop = new Set<O.INodeProto>();
  for (const bn of g.node ?? []) {
    if (bn.opType !== 'BatchNormalization') continue;
    const x = (bn.input as string[])[0];
    const conv = producer.get(x);
    if (!conv || conv.opType !== 'Conv' || (used.get(x)?.length ?? 0) !== 1 || outputs.has(x)) continue;
    const [gamma, beta, mean, variance] = (bn.input as string[]).slice(1).map((n) => inits.get(n));
    const w = inits.get((conv.input as string[])[1]);
    if (!gamma || !beta || !mean || !variance || !w || w.dataType !== DT.FLOAT) continue;
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const [gv, bv, mv, vv, wv] = [gamma, beta, mean, variance, w].map(floats);
    const cout = gv.length;
    const per = wv.length / cout;
    const bName = (conv.input as string[])[2];
    const oldBias = bName ? inits.get(bName) : undefined;
    const bias = oldBias ? floats(oldBias) : new Float32Array(cout);
    const newBias = new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const k = gv[c] / Math.sqrt(vv[c] + eps);
      for (let i = c * per; i < (c + 1) * per; i++) wv[i] *= k;
      newBias[c] = (bias[c] - mv[c]) * k + bv[c];
    }
    w.rawData = rawOf(wv);
    const biasName = `${conv.name}/folded_bias`;
    g.initializer = [
      ...(g.initializer ?? []).filter((t) => t !== oldBias),
      { name: biasName, dataType: DT.FLOAT, dims: [cout], rawData: rawOf(newBias) },
    ];
    conv.input = [(conv.input as string[])[0], (conv.input as string[])[1], biasName];
    conv.output = [(bn.output as string[])[0]];
    drop.add(bn);
  }
  g.node = (g.node ?? []).filter((n) => !drop.has(n));
  // BN parameters no node reads any more.
  const read = new Set((g.node ?? []).flatMap((n) => n.input ?? []));
  g.initializer = (g.initializer ?? []).filter((t) => read.has(t.name as string));
  return drop.size;
}

export interface ConvGroup {
  conv: O.INodeProto;
  /** The activation the Conv reads. */
  input: string;
  /** What gets quantized after the Conv: its output, or the output of the Relu that alone follows it. */
  output: string;
}

/** Each Conv with the activation it reads and the tensor after it (Conv, or Conv + its only Relu). */
export function convGroups(g: O.IGraphProto): ConvGroup[] {
  const used = consumers(g);
  const outputs = new Set((g.output ?? []).map((o) => o.name));
  return (g.node ?? [])
    .filter((n) => n.opType === 'Conv')
    .map((conv) => {
      const y = (conv.output as string[])[0];
      const next = used.get(y) ?? [];
      const relu = next.length === 1 && next[0].opType === 'Relu' && !outputs.has(y) ? next[0] : undefined;
      return { conv, input: (conv.input as string[])[0], output: relu ? (relu.output as string[])[0] : y };
    });
}

/** Ops that only move values (nearest Resize, MaxPool): their output can share their input's quantization. */
function movesValues(n: O.INodeProto): boolean {
  return (
    n.opType === 'MaxPool' ||
    (n.opType === 'Resize' && !!n.attribute?.some((a) => a.name === 'mode' && new TextDecoder().decode(a.s as Uint8Array) === 'nearest'))
  );
}

/**
 * The tensors whose ranges calibration must measure, each once: each Conv's input and output,
 * and the inputs of value-moving ops (so they run on uint8 too).
 */
export function calibrationTensors(groups: ConvGroup[], g: O.IGraphProto): string[] {
  const moved = (g.node ?? []).filter(movesValues).map((n) => (n.input as string[])[0]);
  return [...new Set([...groups.flatMap((c) => [c.input, c.output]), ...moved])];
}

/** uint8 asymmetric parameters of a range (quantize.ts: the activation rule of both static int8 exports). */
export const uint8Params = (r: Range) => activationParams(r, 'uint8');

export interface QdqStats {
  kernelElements: number;
  kernelBytes: number;
  otherBytes: number;
  quantizedConvs: number;
}

/**
 * Inserts QuantizeLinear -> DequantizeLinear after every calibrated tensor (all its readers
 * rewired to the dequantized copy), and replaces each Conv's float weight and bias by int8 / int32 initializers read
 * through DequantizeLinear. In place.
 */
export function insertQdq(g: O.IGraphProto, groups: ConvGroup[], ranges: Map<string, Range>): QdqStats {
  const inits = new Map((g.initializer ?? []).map((t) => [t.name as string, t]));
  const newInits: O.ITensorProto[] = [];
  const front: O.INodeProto[] = [];
  const after = new Map<string, O.INodeProto[]>();
  const dqName = new Map<string, string>();
  const params = new Map<string, { scale: number; zeroPoint: number }>();
  const outputs = new Set((g.output ?? []).map((o) => o.name));
  const stats: QdqStats = { kernelElements: 0, kernelBytes: 0, otherBytes: 0, quantizedConvs: 0 };

  const quantize = (t: string, given?: { scale: number; zeroPoint: number }) => {
    if (dqName.has(t)) return;
    const r = ranges.get(t);
    if (!r && !given) throw new Error(`no calibration range for ${t}`);
    const p = given ?? uint8Params(r as Range);
    params.set(t, p);
    const s = `${t}/q_scale`;
    const z = `${t}/q_zero_point`;
    newInits.push(
      { name: s, dataType: DT.FLOAT, dims: [], rawData: rawOf(Float32Array.of(p.scale)) },
      { name: z, dataType: DT.UINT8, dims: [], rawData: Uint8Array.of(p.zeroPoint) },
    );
    const q = `${t}/quantized`;
    const dq = `${t}/dequantized`;
    const nodes: O.INodeProto[] = [
      { opType: 'QuantizeLinear', name: `${t}/QuantizeLinear`, input: [t, s, z], output: [q] },
      { opType: 'DequantizeLinear', name: `${t}/DequantizeLinear`, input: [q, s, z], output: [dq] },
    ];
    after.set(t, nodes);
    dqName.set(t, dq);
  };
  for (const c of groups) {
    quantize(c.input);
    quantize(c.output);
  }
  // A value-moving op (nearest Resize, MaxPool) gets its input's parameters on its output:
  // onnxruntime then runs it on uint8 and drops the Q/DQ pair, and a Concat whose inputs are all
  // dequantized becomes a QLinearConcat.
  for (const n of g.node ?? []) {
    const x = (n.input ?? [])[0];
    if (!movesValues(n) || !x) continue;
    quantize(x);
    quantize((n.output as string[])[0], params.get(x));
  }
  // Rewire: every reader of a quantized tensor reads its dequantized copy (the Q node keeps the original).
  for (const n of g.node ?? []) n.input = (n.input ?? []).map((i) => dqName.get(i) ?? i);
  for (const o of outputs) if (dqName.has(o as string)) throw new Error(`graph output ${o} cannot be quantized in place`);

  for (const c of groups) {
    const [, wName, bName] = c.conv.input as string[];
    const w = inits.get(wName);
    if (!w || w.dataType !== DT.FLOAT) continue;
    const wv = floats(w);
    const cout = Number((w.dims as unknown[])[0]); // decoded dims are Long objects
    const { q, scales } = quantizeInt8PerChannel(wv, cout);
    const base = wName;
    newInits.push(
      { name: `${base}_int8`, dataType: DT.INT8, dims: w.dims, rawData: rawOf(q) },
      { name: `${base}_scale`, dataType: DT.FLOAT, dims: [cout], rawData: rawOf(scales) },
      { name: `${base}_zero_point`, dataType: DT.INT8, dims: [cout], rawData: new Uint8Array(cout) },
    );
    stats.kernelElements += q.length;
    stats.kernelBytes += q.length + 4 * cout + cout;
    front.push({
      opType: 'DequantizeLinear',
      name: `${base}/DequantizeLinear`,
      input: [`${base}_int8`, `${base}_scale`, `${base}_zero_point`],
      output: [`${base}/dequantized`],
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
    });
    const inputs = [c.conv.input![0], `${base}/dequantized`];
    const b = bName ? inits.get(bName) : undefined;
    if (b) {
      const xs = (params.get(c.input) as { scale: number }).scale;
      const bv = floats(b);
      const bs = Float32Array.from(scales, (s) => Math.fround(xs * s));
      const bq = Int32Array.from(bv, (v, i) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / bs[i]))));
      newInits.push(
        { name: `${bName}_int32`, dataType: DT.INT32, dims: [cout], rawData: rawOf(bq) },
        { name: `${bName}_scale`, dataType: DT.FLOAT, dims: [cout], rawData: rawOf(bs) },
        { name: `${bName}_zero_point`, dataType: DT.INT32, dims: [cout], rawData: new Uint8Array(4 * cout) },
      );
      front.push({
        opType: 'DequantizeLinear',
        name: `${bName}/DequantizeLinear`,
        input: [`${bName}_int32`, `${bName}_scale`, `${bName}_zero_point`],
        output: [`${bName}/dequantized`],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      });
      inputs.push(`${bName}/dequantized`);
    }
    c.conv.input = inputs;
    stats.quantizedConvs++;
  }
  // Nodes in topological order: weight DQs first, each activation Q/DQ right after its producer.
  const graphInputs = new Set((g.input ?? []).map((i) => i.name as string));
  const nodes: O.INodeProto[] = [...front];
  for (const t of graphInputs) nodes.push(...(after.get(t) ?? []));
  for (const n of g.node ?? []) {
    nodes.push(n);
    for (const o of n.output ?? []) nodes.push(...(after.get(o) ?? []));
  }
  g.node = nodes;
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  g.initializer = [...(g.initializer ?? []), ...newInits].filter((t) => read.has(t.name as string));
  const total = g.initializer.reduce((n, t) => n + (t.rawData as Uint8Array).length, 0);
  stats.otherBytes = total - stats.kernelBytes;
  return stats;
}
