/**
 * A small writer for the TFLite model tables this project uses, on the `flatbuffers` Builder API.
 *
 * Porting note: the field ids, enum values and union indices below are those of the TFLite schema
 * (tensorflow/lite/schema/schema.fbs, file identifier "TFL3", Apache-2.0); no generated code is
 * copied. A table's field id is its position in the schema's table declaration; a union member's
 * index is its position in the union, counting NONE as 0. Only the tables and fields written here
 * are declared. Everything new in the schema is appended at the end, so these ids never change.
 */
import * as flatbuffers from 'flatbuffers';

/** TensorType (byte). */
export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, INT8: 9 } as const;

/** BuiltinOperator codes of the operators this writer emits (the operator set is these names). */
export const BuiltinOperator = {
  ADD: 0,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEQUANTIZE: 6,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RESIZE_NEAREST_NEIGHBOR: 97,
  QUANTIZE: 114,
} as const;
export type OpName = keyof typeof BuiltinOperator;

/** BuiltinOptions union indices (NONE = 0). */
const Options = {
  Conv2DOptions: 1,
  Pool2DOptions: 5,
  ConcatenationOptions: 10,
  AddOptions: 11,
  MulOptions: 21,
  ResizeNearestNeighborOptions: 74,
} as const;

export const Padding = { SAME: 0, VALID: 1 } as const;
export const Activation = { NONE: 0, RELU: 1 } as const;

export type OpOptions =
  | { kind: 'conv'; padding: number; strideW: number; strideH: number; activation: number; dilationW: number; dilationH: number }
  | { kind: 'pool'; padding: number; strideW: number; strideH: number; filterW: number; filterH: number }
  | { kind: 'concat'; axis: number; activation: number }
  | { kind: 'add' | 'mul'; activation: number }
  | { kind: 'resize-nearest' };

export interface TensorDef {
  shape: number[];
  type: number;
  /** Index into the model's buffers; 0 = no data (the always-empty buffer 0). */
  buffer: number;
  name: string;
  /** Affine quantization, real = scale * (q - zeroPoint): per channel along `dimension` (zero points 0 when absent), or per tensor (one scale). */
  quantization?: { scale: Float32Array; zeroPoint?: number[]; dimension: number };
}

export interface OperatorDef {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  options?: OpOptions;
}

export interface ModelDef {
  description: string;
  /** Operator codes in opcode-index order, with the operator version the inputs need (op_version.cc). */
  opcodes: { name: OpName; version: number }[];
  tensors: TensorDef[];
  inputs: number[];
  outputs: number[];
  operators: OperatorDef[];
  /** Buffer payloads; index 0 must be empty. */
  buffers: Uint8Array[];
  /** Signature tensor names, in input/output order. */
  signature: { inputs: string[]; outputs: string[]; key: string };
  /** Key/value strings stored as model metadata (each one buffer). */
  metadata: Record<string, string>;
}

/** Schema version written in Model.version. */
const SCHEMA_VERSION = 3;
/** Buffer.data is declared force_align: 16. */
const BUFFER_ALIGN = 16;

function intVector(b: flatbuffers.Builder, values: number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

function floatVector(b: flatbuffers.Builder, values: Float32Array): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

function longVector(b: flatbuffers.Builder, values: bigint[]): flatbuffers.Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(values[i]);
  return b.endVector();
}

function offsetVector(b: flatbuffers.Builder, offsets: flatbuffers.Offset[]): flatbuffers.Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

function options(b: flatbuffers.Builder, o: OpOptions): { type: number; offset: flatbuffers.Offset } {
  switch (o.kind) {
    case 'conv': // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w_factor 4, dilation_h_factor 5
      b.startObject(6);
      b.addFieldInt8(0, o.padding, 0);
      b.addFieldInt32(1, o.strideW, 0);
      b.addFieldInt32(2, o.strideH, 0);
      b.addFieldInt8(3, o.activation, 0);
      b.addFieldInt32(4, o.dilationW, 1);
      b.addFieldInt32(5, o.dilationH, 1);
      return { type: Options.Conv2DOptions, offset: b.endObject() };
    case 'pool': // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, fused_activation_function 5
      b.startObject(6);
      b.addFieldInt8(0, o.padding, 0);
      b.addFieldInt32(1, o.strideW, 0);
      b.addFieldInt32(2, o.strideH, 0);
      b.addFieldInt32(3, o.filterW, 0);
      b.addFieldInt32(4, o.filterH, 0);
      return { type: Options.Pool2DOptions, offset: b.endObject() };
    case 'concat': // ConcatenationOptions: axis 0, fused_activation_function 1
      b.startObject(2);
      b.addFieldInt32(0, o.axis, 0);
      b.addFieldInt8(1, o.activation, 0);
      return { type: Options.ConcatenationOptions, offset: b.endObject() };
    case 'add':
    case 'mul': // AddOptions / MulOptions: fused_activation_function 0
      b.startObject(1);
      b.addFieldInt8(0, o.activation, 0);
      return { type: o.kind === 'add' ? Options.AddOptions : Options.MulOptions, offset: b.endObject() };
    case 'resize-nearest': // ResizeNearestNeighborOptions: align_corners 0, half_pixel_centers 1 (both false: tfjs's rule)
      b.startObject(2);
      return { type: Options.ResizeNearestNeighborOptions, offset: b.endObject() };
  }
}

function tensor(b: flatbuffers.Builder, t: TensorDef): flatbuffers.Offset {
  const shape = intVector(b, t.shape);
  const name = b.createString(t.name);
  let quant = 0;
  if (t.quantization) {
    // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, details_type 4, details 5, quantized_dimension 6
    const scale = floatVector(b, t.quantization.scale);
    const zp = t.quantization.zeroPoint;
    const zero = longVector(
      b,
      Array.from(t.quantization.scale, (_, i) => BigInt(zp?.[i] ?? 0)),
    );
    b.startObject(7);
    b.addFieldOffset(2, scale, 0);
    b.addFieldOffset(3, zero, 0);
    b.addFieldInt32(6, t.quantization.dimension, 0);
    quant = b.endObject();
  }
  // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4
  b.startObject(5);
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, t.type, 0);
  b.addFieldInt32(2, t.buffer, 0);
  b.addFieldOffset(3, name, 0);
  if (quant) b.addFieldOffset(4, quant, 0);
  return b.endObject();
}

function operator(b: flatbuffers.Builder, op: OperatorDef): flatbuffers.Offset {
  const inputs = intVector(b, op.inputs);
  const outputs = intVector(b, op.outputs);
  const opt = op.options ? options(b, op.options) : undefined;
  // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4
  b.startObject(5);
  b.addFieldInt32(0, op.opcodeIndex, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  if (opt) {
    b.addFieldInt8(3, opt.type, 0);
    b.addFieldOffset(4, opt.offset, 0);
  }
  return b.endObject();
}

function buffer(b: flatbuffers.Builder, data: Uint8Array): flatbuffers.Offset {
  let vec = 0;
  if (data.length) {
    b.prep(BUFFER_ALIGN, data.length); // the data starts on a 16-byte boundary (force_align)
    vec = b.createByteVector(data);
  }
  // Buffer: data 0
  b.startObject(1);
  if (vec) b.addFieldOffset(0, vec, 0);
  return b.endObject();
}

function tensorMap(b: flatbuffers.Builder, name: string, index: number): flatbuffers.Offset {
  const n = b.createString(name);
  // TensorMap: name 0, tensor_index 1
  b.startObject(2);
  b.addFieldOffset(0, n, 0);
  b.addFieldInt32(1, index, 0);
  return b.endObject();
}

/** Serialises a model; the result starts with the "TFL3" file identifier at byte 4. */
export function writeTfliteModel(m: ModelDef): Uint8Array {
  const metaEntries = Object.entries(m.metadata);
  const buffers = [...m.buffers, ...metaEntries.map(([, v]) => new TextEncoder().encode(v))];
  const size = buffers.reduce((n, d) => n + d.length + BUFFER_ALIGN, 0);
  const b = new flatbuffers.Builder(size + 64 * 1024);

  const bufferOffsets = buffers.map((d) => buffer(b, d));
  const opcodes = m.opcodes.map(({ name, version }) => {
    const code = BuiltinOperator[name];
    // OperatorCode: deprecated_builtin_code 0 (byte; the code itself below 127), custom_code 1, version 2, builtin_code 3
    b.startObject(4);
    b.addFieldInt8(0, Math.min(code, 127), 0);
    b.addFieldInt32(2, version, 1);
    b.addFieldInt32(3, code, 0);
    return b.endObject();
  });
  const tensors = m.tensors.map((t) => tensor(b, t));
  const operators = m.operators.map((op) => operator(b, op));
  const sgTensors = offsetVector(b, tensors);
  const sgInputs = intVector(b, m.inputs);
  const sgOutputs = intVector(b, m.outputs);
  const sgOps = offsetVector(b, operators);
  const sgName = b.createString('main');
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4
  b.startObject(5);
  b.addFieldOffset(0, sgTensors, 0);
  b.addFieldOffset(1, sgInputs, 0);
  b.addFieldOffset(2, sgOutputs, 0);
  b.addFieldOffset(3, sgOps, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const metadata = metaEntries.map(([k], i) => {
    const name = b.createString(k);
    // Metadata: name 0, buffer 1
    b.startObject(2);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, m.buffers.length + i, 0);
    return b.endObject();
  });

  const sigIn = offsetVector(
    b,
    m.signature.inputs.map((n, i) => tensorMap(b, n, m.inputs[i])),
  );
  const sigOut = offsetVector(
    b,
    m.signature.outputs.map((n, i) => tensorMap(b, n, m.outputs[i])),
  );
  const sigKey = b.createString(m.signature.key);
  // SignatureDef: inputs 0, outputs 1, signature_key 2, (deprecated_tag 3), subgraph_index 4
  b.startObject(5);
  b.addFieldOffset(0, sigIn, 0);
  b.addFieldOffset(1, sigOut, 0);
  b.addFieldOffset(2, sigKey, 0);
  b.addFieldInt32(4, 0, 0);
  const signature = b.endObject();

  const opcodeVec = offsetVector(b, opcodes);
  const subgraphVec = offsetVector(b, [subgraph]);
  const description = b.createString(m.description);
  const bufferVec = offsetVector(b, bufferOffsets);
  const metadataVec = offsetVector(b, metadata);
  const signatureVec = offsetVector(b, [signature]);
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4, (metadata_buffer 5), metadata 6, signature_defs 7
  b.startObject(8);
  b.addFieldInt32(0, SCHEMA_VERSION, 0);
  b.addFieldOffset(1, opcodeVec, 0);
  b.addFieldOffset(2, subgraphVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, bufferVec, 0);
  b.addFieldOffset(6, metadataVec, 0);
  b.addFieldOffset(7, signatureVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** What `readTfliteModel` reads back from a file: enough to check what a runtime will compute in. */
export interface ReadTflite {
  opcodes: { name: string; version: number }[];
  tensors: { name: string; type: number; scale: number[]; zeroPoint: number[] }[];
  operators: { opcode: number; inputs: number[]; outputs: number[] }[];
}

/**
 * Reads the operator codes (with versions), the tensors (type, quantization) and the operators of
 * the first subgraph of a .tflite file. Codes this writer does not name are BUILTIN_<code>.
 */
export function readTfliteModel(bytes: Uint8Array): ReadTflite {
  const bb = new flatbuffers.ByteBuffer(bytes);
  if (!bb.__has_identifier('TFL3')) throw new Error('not a TFLite flatbuffer (no TFL3 identifier)');
  const field = (table: number, id: number) => bb.__offset(table, 4 + 2 * id);
  const tables = (table: number, id: number): number[] => {
    const o = field(table, id);
    if (!o) return [];
    const start = bb.__vector(table + o);
    return Array.from({ length: bb.__vector_len(table + o) }, (_, i) => bb.__indirect(start + 4 * i));
  };
  const scalars = (table: number, id: number, size: 4 | 8, read: (at: number) => number): number[] => {
    const o = field(table, id);
    if (!o) return [];
    const start = bb.__vector(table + o);
    return Array.from({ length: bb.__vector_len(table + o) }, (_, i) => read(start + size * i));
  };
  const int = (table: number, id: number, def: number) => (field(table, id) ? bb.readInt32(table + field(table, id)) : def);
  const names = new Map<number, string>(Object.entries(BuiltinOperator).map(([k, v]) => [v, k]));
  const model = bb.readInt32(bb.position()) + bb.position();
  const opcodes = tables(model, 1).map((t) => {
    const deprecated = field(t, 0) ? bb.readInt8(t + field(t, 0)) : 0;
    const code = Math.max(deprecated, int(t, 3, 0)); // the rule TFLite readers use for the two code fields
    return { name: names.get(code) ?? `BUILTIN_${code}`, version: int(t, 2, 1) };
  });
  const [sg] = tables(model, 2);
  const tensors = tables(sg, 0).map((t) => {
    const q = field(t, 4) ? bb.__indirect(t + field(t, 4)) : 0;
    return {
      name: field(t, 3) ? (bb.__string(t + field(t, 3)) as string) : '',
      type: field(t, 1) ? bb.readInt8(t + field(t, 1)) : 0,
      scale: q ? scalars(q, 2, 4, (at) => bb.readFloat32(at)) : [],
      zeroPoint: q ? scalars(q, 3, 8, (at) => Number(bb.readInt64(at))) : [],
    };
  });
  const operators = tables(sg, 3).map((op) => ({
    opcode: field(op, 0) ? bb.readUint32(op + field(op, 0)) : 0,
    inputs: scalars(op, 1, 4, (at) => bb.readInt32(at)),
    outputs: scalars(op, 2, 4, (at) => bb.readInt32(at)),
  }));
  return { opcodes, tensors, operators };
}

/** The builtin operators a .tflite file uses, with how often each occurs, read from the file itself. */
export function readOperatorCounts(bytes: Uint8Array): Record<string, number> {
  const m = readTfliteModel(bytes);
  const counts: Record<string, number> = {};
  for (const op of m.operators) {
    const name = m.opcodes[op.opcode].name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
