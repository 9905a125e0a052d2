import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';

/**
 * A small self-describing binary for tensors: magic, header length, JSON header, then the raw
 * little-endian data of each tensor at 8-byte aligned offsets. One file holds a whole state,
 * so a checkpoint is written (and replaced) as a unit.
 */
const MAGIC = 0x43524156; // "VARC"

export interface PackedTensorMeta {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  byteLength: number;
}

interface Header {
  version: 1;
  tensors: PackedTensorMeta[];
  meta?: unknown;
}

/** A tensor as plain data: what crosses threads and goes to disk. */
export interface PlainTensor {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

export function toPlain(name: string, tensor: tf.Tensor): PlainTensor {
  if (tensor.dtype !== 'int32' && tensor.dtype !== 'float32') {
    throw new StudioError({
      code: 'internal',
      what: `Cannot store tensor ${name} of dtype ${tensor.dtype}`,
      hint: 'Only float32/int32 state is checkpointed',
    });
  }
  return { name, shape: tensor.shape.slice(), values: tensor.dataSync() as Float32Array | Int32Array };
}

export function packTensors(tensors: PlainTensor[], meta?: unknown): Buffer {
  const metas: PackedTensorMeta[] = [];
  const datas: ArrayBufferView[] = [];
  let offset = 0;
  for (const { name, shape, values } of tensors) {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    metas.push({ name, shape: shape.slice(), dtype, offset, byteLength: values.byteLength });
    datas.push(values);
    offset += Math.ceil(values.byteLength / 8) * 8;
  }
  const header: Header = { version: 1, tensors: metas, ...(meta === undefined ? {} : { meta }) };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLen = Math.ceil((8 + headerBytes.length) / 8) * 8;
  const out = Buffer.alloc(headerLen + offset);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(headerBytes.length, 4);
  headerBytes.copy(out, 8);
  metas.forEach((m, i) => {
    const d = datas[i];
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, headerLen + m.offset);
  });
  return out;
}

export interface UnpackedTensors {
  tensors: PlainTensor[];
  meta: unknown;
}

/** Reads a pack into plain arrays (no tensors are created). */
export function unpackTensors(buf: Buffer, file?: string): UnpackedTensors {
  const bad = (what: string) =>
    new StudioError({ code: 'bad-file', file, what, hint: 'The checkpoint is damaged; delete it and start the run again' });
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) throw bad('Not a VAR Studio tensor file');
  const len = buf.readUInt32LE(4);
  if (8 + len > buf.length) throw bad('Truncated header');
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Header;
  } catch {
    throw bad('Unreadable header');
  }
  const headerLen = Math.ceil((8 + len) / 8) * 8;
  const tensors = header.tensors.map((m) => {
    const start = headerLen + m.offset;
    if (start + m.byteLength > buf.length) throw bad(`Truncated data for ${m.name}`);
    // Copy into a fresh aligned buffer: typed arrays need alignment, Buffers may be pooled.
    const bytes = new Uint8Array(m.byteLength);
    bytes.set(buf.subarray(start, start + m.byteLength));
    const values = m.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    if (values.length !== m.shape.reduce((a, b) => a * b, 1)) throw bad(`Size of ${m.name} does not match its shape`);
    return { name: m.name, shape: m.shape, values };
  });
  return { tensors, meta: header.meta };
}
