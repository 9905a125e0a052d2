import type { onnx as O } from 'onnx-proto';
import { onnx } from './onnx-proto';
import { quantizeInt8PerChannel, toFloat16 } from './quantize';

export type WeightStorage = 'fp32' | 'fp16' | 'int8-weights';

type Attr = number | number[] | string | { floats: number[] } | { float: number };

const DT = onnx.TensorProto.DataType;

/** Little-endian bytes of a typed array, as ONNX raw_data requires on any host. */
function le(a: Float32Array | Uint16Array | Int8Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(a.length * a.BYTES_PER_ELEMENT);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(i * 4, a[i], true);
    else if (a instanceof Uint16Array) dv.setUint16(i * 2, a[i], true);
    else if (a instanceof Int8Array) dv.setInt8(i, a[i]);
    else dv.setBigInt64(i * 8, a[i], true);
  }
  return out;
}

/** Collects nodes and initializers; every name it hands out is unique in the graph. */
export class GraphBuilder {
  readonly nodes: O.INodeProto[] = [];
  readonly initializers: O.ITensorProto[] = [];
  private readonly used = new Set<string>();
  /** Bytes of initializer payloads, by storage kind, for the size report. */
  readonly stats = { kernelElements: 0, kernelBytes: 0, otherBytes: 0 };

  constructor(private readonly storage: WeightStorage) {}

  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  node(op: string, inputs: string[], name: string, attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.unique(outputs === 1 ? name : `${name}:${i}`));
    this.nodes.push({
      opType: op,
      name: this.unique(`${name}/${op}`),
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  private init(name: string, dataType: number, dims: number[], raw: Uint8Array): string {
    const n = this.unique(name);
    this.initializers.push({ name: n, dataType, dims, rawData: raw });
    return n;
  }

  /** A float32 tensor kept in float32 whatever the storage (biases, BN parameters, constants). */
  float(name: string, values: Float32Array, dims: number[]): string {
    const raw = le(values);
    this.stats.otherBytes += raw.length;
    return this.init(name, DT.FLOAT, dims, raw);
  }

  int64(name: string, values: number[]): string {
    return this.init(name, DT.INT64, [values.length], le(BigInt64Array.from(values.map(BigInt))));
  }

  /**
   * A conv kernel in ONNX layout (axis 0 = output channel), stored as the builder's storage
   * says; returns the name of a float32 tensor the Conv can consume.
   */
  kernel(name: string, values: Float32Array, dims: number[]): string {
    this.stats.kernelElements += values.length;
    if (this.storage === 'fp32') {
      const raw = le(values);
      this.stats.kernelBytes += raw.length;
      return this.init(name, DT.FLOAT, dims, raw);
    }
    if (this.storage === 'fp16') {
      const raw = le(toFloat16(values));
      this.stats.kernelBytes += raw.length;
      const h = this.init(`${name}_fp16`, DT.FLOAT16, dims, raw);
      return this.node('Cast', [h], name, { to: DT.FLOAT })[0];
    }
    const { q, scales } = quantizeInt8PerChannel(values, dims[0]);
    const qRaw = le(q);
    const sRaw = le(scales);
    this.stats.kernelBytes += qRaw.length + sRaw.length + dims[0];
    const qn = this.init(`${name}_int8`, DT.INT8, dims, qRaw);
    const sn = this.init(`${name}_scale`, DT.FLOAT, [dims[0]], sRaw);
    const zn = this.init(`${name}_zero_point`, DT.INT8, [dims[0]], new Uint8Array(dims[0]));
    return this.node('DequantizeLinear', [qn, sn, zn], name, { axis: 0 })[0];
  }
}

function attribute(name: string, v: Attr): O.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}
