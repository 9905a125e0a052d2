/**
 * Decoders of compressed DICOM transfer syntaxes, registered once per process at start (the
 * codecs are WebAssembly modules that load asynchronously; `decodeDicom` stays synchronous and
 * looks them up here). Node registers them in src/node/data/codecs.ts. A syntax without a
 * registered decoder is refused by name.
 */
export interface FrameInfo {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  file?: string;
}

/** One encoded frame -> its pixels, rows x cols x samples interleaved, little endian, `bitsAllocated` wide. */
export type FrameDecoder = (encoded: Uint8Array, info: FrameInfo) => Uint8Array;

const decoders = new Map<string, FrameDecoder>();

export function registerDicomDecoder(transferSyntaxes: string[], decode: FrameDecoder): void {
  for (const ts of transferSyntaxes) decoders.set(ts, decode);
}

export function dicomDecoder(transferSyntax: string): FrameDecoder | undefined {
  return decoders.get(transferSyntax);
}

/** Transfer syntaxes with a registered decoder in this process. */
export function registeredSyntaxes(): string[] {
  return [...decoders.keys()];
}
