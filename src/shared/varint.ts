/**
 * Unsigned LEB128 varints as base64 text behind a format prefix: the container of the compact
 * mask encoding (`r1:`, metrics/encode.ts) and of the label-map encoding (`l1:`, data/labelMap.ts).
 */
import { base64ToBytes, bytesToBase64 } from './base64';

export function packVarints(prefix: string, values: readonly number[]): string {
  const bytes: number[] = [];
  for (let v of values) {
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
  }
  return prefix + bytesToBase64(Uint8Array.from(bytes));
}

export interface VarintReader {
  next(): number;
  /** Every byte has been read. */
  done(): boolean;
}

/**
 * Reads what `packVarints(prefix, …)` wrote. The text may come from a file or a client, so every
 * fault is thrown as `bad(what)` (the caller's error): unknown encoding, not base64, truncated.
 */
export function unpackVarints(encoded: string, prefix: string, bad: (what: string) => Error): VarintReader {
  if (!encoded.startsWith(prefix)) throw bad('unknown encoding');
  const bytes = base64ToBytes(encoded.slice(prefix.length));
  if (!bytes) throw bad('not base64');
  let p = 0;
  return {
    next() {
      let v = 0;
      let mul = 1;
      for (;;) {
        if (p >= bytes.length || mul > 2 ** 35) throw bad('truncated');
        const b = bytes[p++];
        v += (b & 0x7f) * mul;
        if (b < 0x80) return v;
        mul *= 128;
      }
    },
    done: () => p >= bytes.length,
  };
}
