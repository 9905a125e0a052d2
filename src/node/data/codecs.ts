/**
 * Registers the compressed-DICOM decoders (src/shared/data/dicom-codecs.ts) in this process, once:
 * the cornerstone project's WebAssembly builds of libjpeg-turbo (JPEG baseline and 8-bit extended),
 * CharLS (JPEG-LS) and OpenJPEG (JPEG 2000), and jpeg-lossless-decoder-js (JPEG lossless, process 14).
 * RLE is decoded by the studio itself (src/shared/data/dicom-rle.ts).
 */
import { createRequire } from 'node:module';
import { registerDicomDecoder, type FrameInfo } from '../../shared/data/dicom-codecs';
import { fail } from '../../shared/data/fail';

const require = createRequire(import.meta.url);

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  delete(): void;
}
type Factory = (opts?: object) => Promise<Record<string, new () => WasmDecoder>>;

/** The codec's own frame info must match the DICOM header before its pixels are trusted. */
function runWasm(make: () => WasmDecoder, encoded: Uint8Array, info: FrameInfo, what: string): Uint8Array {
  const d = make();
  try {
    d.getEncodedBuffer(encoded.length).set(encoded);
    d.decode();
    const fi = d.getFrameInfo();
    if (fi.width !== info.cols || fi.height !== info.rows || fi.componentCount !== info.samplesPerPixel) {
      fail(
        'bad-file',
        info.file,
        `${what} frame is ${fi.width}x${fi.height}x${fi.componentCount} but the header says ${info.cols}x${info.rows}x${info.samplesPerPixel}`,
        'The file is inconsistent; export it again',
      );
    }
    const bytesPer = fi.bitsPerSample <= 8 ? 1 : 2;
    if (bytesPer * 8 !== info.bitsAllocated) {
      fail(
        'unsupported',
        info.file,
        `${what} frame has ${fi.bitsPerSample}-bit samples but BitsAllocated is ${info.bitsAllocated}`,
        'Convert the series to uncompressed',
      );
    }
    return d.getDecodedBuffer().slice();
  } finally {
    d.delete();
  }
}

function jpegLossless(encoded: Uint8Array, info: FrameInfo): Uint8Array {
  const { Decoder } = require('jpeg-lossless-decoder-js') as {
    Decoder: new () => { decode(buf: ArrayBuffer, offset: number, length: number, numBytes?: number): ArrayBuffer | ArrayBufferView };
  };
  const bytesPer = info.bitsAllocated / 8;
  const buf = encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength) as ArrayBuffer;
  const out = new Decoder().decode(buf, 0, buf.byteLength, bytesPer);
  // A typed array of samples (not bytes): view its bytes, little endian as decoded.
  return ArrayBuffer.isView(out) ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : new Uint8Array(out);
}

/** OpenJPEG prints its header progress to stdout; CLI output and logs stay clean. */
const QUIET = { print: () => {}, printErr: () => {} };

let loading: Promise<void> | undefined;

export function loadDicomCodecs(): Promise<void> {
  loading ??= (async () => {
    const [jpeg, charls, openjpeg] = await Promise.all([
      (require('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs') as Factory)(QUIET),
      (require('@cornerstonejs/codec-charls/decodewasmjs') as Factory)(QUIET),
      (require('@cornerstonejs/codec-openjpeg/decodewasmjs') as Factory)(QUIET),
    ]);
    registerDicomDecoder(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51'], (e, i) => {
      if (i.bitsAllocated !== 8)
        fail(
          'unsupported',
          i.file,
          `${i.bitsStored}-bit JPEG extended (process 4) is not decoded; only 8-bit JPEG is`,
          'Convert the series to JPEG lossless or uncompressed (e.g. `gdcmconv --raw`)',
        );
      return runWasm(() => new jpeg.JPEGDecoder(), e, i, 'JPEG');
    });
    registerDicomDecoder(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'], (e, i) =>
      runWasm(() => new charls.JpegLSDecoder(), e, i, 'JPEG-LS'),
    );
    registerDicomDecoder(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91'], (e, i) =>
      runWasm(() => new openjpeg.J2KDecoder(), e, i, 'JPEG 2000'),
    );
    registerDicomDecoder(['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70'], jpegLossless);
  })();
  return loading;
}
