import { Gunzip, Inflate } from 'fflate';
import { fail, asStudioError } from './fail.js';

const CHUNK = 16 * 1024;

function run(
  stream: { push(c: Uint8Array, f?: boolean): void },
  input: Uint8Array,
  out: Uint8Array[],
  total: () => number,
  maxBytes: number,
  file: string | undefined,
  kind: string,
): Uint8Array {
  // Streams in small chunks so a decompression bomb is stopped near the limit, not after it.
  try {
    for (let off = 0; off < input.length; off += CHUNK) {
      stream.push(input.subarray(off, Math.min(input.length, off + CHUNK)), off + CHUNK >= input.length);
      if (total() > maxBytes)
        fail(
          'too-large',
          file,
          `${kind} data expands beyond the limit of ${maxBytes} bytes`,
          'Raise the per-file size limit if the file is genuine',
        );
    }
    if (input.length === 0) stream.push(new Uint8Array(0), true);
  } catch (e) {
    throw asStudioError(e, file, `corrupt ${kind} data`, 'The file is truncated or damaged; export it again');
  }
  const n = total();
  const res = new Uint8Array(n);
  let o = 0;
  for (const c of out) {
    res.set(c, o);
    o += c.length;
  }
  return res;
}

/** gunzip with an output cap; errors are StudioErrors naming the file. */
export function gunzipLimited(input: Uint8Array, maxBytes: number, file?: string): Uint8Array {
  const out: Uint8Array[] = [];
  let n = 0;
  const g = new Gunzip((chunk) => {
    out.push(chunk);
    n += chunk.length;
  });
  return run(g, input, out, () => n, maxBytes, file, 'gzip');
}

/** Raw DEFLATE (as in DICOM deflated transfer syntax and TIFF compression 8) with an output cap. */
export function inflateLimited(input: Uint8Array, maxBytes: number, file?: string): Uint8Array {
  const out: Uint8Array[] = [];
  let n = 0;
  const g = new Inflate((chunk) => {
    out.push(chunk);
    n += chunk.length;
  });
  return run(g, input, out, () => n, maxBytes, file, 'deflate');
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** zlib-wrapped DEFLATE (TIFF compression 8) with an output cap. */
export function unzlibLimited(input: Uint8Array, maxBytes: number, file?: string): Uint8Array {
  // A zlib stream is a 2-byte header + raw deflate + 4-byte Adler-32; the checksum is not verified.
  if (input.length < 2 || (input[0] & 0x0f) !== 8 || ((input[0] << 8) | input[1]) % 31 !== 0) {
    fail('bad-file', file, 'corrupt zlib data (bad header)', 'The file is damaged; export it again');
  }
  return inflateLimited(input.subarray(2), maxBytes, file);
}

/** The first `n` decompressed bytes of a gzip stream (fewer if it is shorter), for header peeks. */
export function gunzipHead(input: Uint8Array, n: number, file?: string): Uint8Array {
  const out: Uint8Array[] = [];
  let got = 0;
  const g = new Gunzip((chunk) => {
    out.push(chunk);
    got += chunk.length;
  });
  try {
    for (let off = 0; off < input.length && got < n; off += 1024)
      g.push(input.subarray(off, Math.min(input.length, off + 1024)), off + 1024 >= input.length);
  } catch (e) {
    throw asStudioError(e, file, 'corrupt gzip data', 'The file is truncated or damaged; export it again');
  }
  const res = new Uint8Array(got);
  let o = 0;
  for (const c of out) {
    res.set(c, o);
    o += c.length;
  }
  return res.subarray(0, Math.min(n, got));
}
