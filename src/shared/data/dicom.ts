import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { fail, guard, asStudioError, checkDims } from './fail.js';
import { inflateLimited } from './inflate.js';
import { decodeRle } from './dicom-rle.js';
import { dicomDecoder } from './dicom-codecs.js';

/**
 * One DICOM file (single- or multi-frame), decoded with dicom-parser.
 * Pixel values are rescaled (slope/intercept) floats; the display window is kept as metadata.
 */
export interface DicomFrameGeometry {
  /** ImagePositionPatient of the frame's top-left pixel (mm). */
  position?: [number, number, number];
  /** ImageOrientationPatient: row direction cosines then column direction cosines. */
  orientation?: [number, number, number, number, number, number];
}

export interface DicomImage {
  file?: string;
  transferSyntax: string;
  sopInstanceUid?: string;
  seriesUid: string;
  studyUid?: string;
  patientId: string;
  modality?: string;
  seriesDescription?: string;
  instanceNumber?: number;
  rows: number;
  cols: number;
  frameCount: number;
  samplesPerPixel: 1 | 3;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  windowCenter?: number;
  windowWidth?: number;
  /** Per-frame geometry (one entry per frame; the same values repeated for single-frame files). */
  geometry: DicomFrameGeometry[];
  /** Rescaled pixels per frame, rows x cols x samples; empty when decoded with `pixels: false`. */
  frames: Float32Array[];
}

export interface DicomDecodeOptions {
  /** Decode pixel data (false = header only, for fast folder scans). Default true. */
  pixels?: boolean;
  maxSide?: number;
  maxVoxels?: number;
  /** Cap on inflated size for the deflated transfer syntax. */
  maxBytes?: number;
}

export const TRANSFER_SYNTAXES: Record<string, { name: string; supported: boolean }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', supported: true },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', supported: true },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', supported: true },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', supported: true },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', supported: true },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', supported: false },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', supported: false },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless, Non-Hierarchical (Process 14)', supported: false },
  '1.2.840.10008.1.2.4.70': {
    name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)',
    supported: false,
  },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless Image Compression', supported: false },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Lossy (Near-Lossless) Image Compression', supported: false },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Image Compression (Lossless Only)', supported: false },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000 Image Compression', supported: false },
  '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', supported: false },
  '1.2.840.10008.1.2.4.202': { name: 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)', supported: false },
  '1.2.840.10008.1.2.4.203': { name: 'High-Throughput JPEG 2000 Image Compression', supported: false },
  '1.2.840.10008.1.2.4.100': { name: 'MPEG2 Main Profile / Main Level', supported: false },
  '1.2.840.10008.1.2.4.102': { name: 'MPEG-4 AVC/H.264 High Profile / Level 4.1', supported: false },
};

export function transferSyntaxLabel(uid: string): string {
  const t = TRANSFER_SYNTAXES[uid];
  return t ? `${t.name} (${uid})` : `unknown transfer syntax (${uid})`;
}

/** True for a Part-10 file ("DICM" at offset 128). Files without the preamble are not accepted. */
export function isDicom(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

function nums(ds: DataSet, tag: string, n: number): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = ds.floatString(tag, i);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out;
}

function str(ds: DataSet, tag: string): string | undefined {
  const v = ds.string(tag);
  return v === undefined || v === '' ? undefined : v;
}

function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

const JPEG_FAMILY = /^1\.2\.840\.10008\.1\.2\.4\.(5\d|6\d|70)$/;

/**
 * The encoded bytes of one frame of encapsulated pixel data: all fragments for a single frame;
 * else by the basic offset table, one fragment per frame, or (JPEG) frame boundaries found by the
 * end-of-image markers, as dicom-parser offers.
 */
function encodedFrame(ds: DataSet, el: dicomParser.Element, f: number, frameCount: number, ts: string): Uint8Array {
  const fragments = el.fragments ?? [];
  if (frameCount === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length) as Uint8Array;
  if (el.basicOffsetTable && el.basicOffsetTable.length > 0) return dicomParser.readEncapsulatedImageFrame(ds, el, f) as Uint8Array;
  if (fragments.length === frameCount) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, f, 1) as Uint8Array;
  if (JPEG_FAMILY.test(ts))
    return dicomParser.readEncapsulatedImageFrame(ds, el, f, dicomParser.createJPEGBasicOffsetTable(ds, el)) as Uint8Array;
  return fail(
    'unsupported',
    undefined,
    `${frameCount} frames in ${fragments.length} fragments without an offset table`,
    'Export the series with one fragment per frame or an offset table',
  );
}

export function decodeDicom(bytes: Uint8Array, file?: string, opts: DicomDecodeOptions = {}): DicomImage {
  return guard(file, 'corrupt DICOM file', () => decodeDicomUnguarded(bytes, file, opts));
}

function decodeDicomUnguarded(bytes: Uint8Array, file: string | undefined, opts: DicomDecodeOptions): DicomImage {
  const maxSide = opts.maxSide ?? 8192,
    maxVoxels = opts.maxVoxels ?? 2 ** 31 - 1,
    maxBytes = opts.maxBytes ?? 1024 ** 3;
  if (!isDicom(bytes))
    fail('bad-file', file, 'not a DICOM file (no "DICM" marker at byte 128)', 'Export the images as DICOM Part-10 files');
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, {
      ...(opts.pixels === false ? { untilTag: 'x7fe00010' } : {}),
      inflater: (arr: Uint8Array, position: number) => {
        const inflated = inflateLimited(arr.subarray(position), maxBytes, file);
        const full = new Uint8Array(position + inflated.length);
        full.set(arr.subarray(0, position));
        full.set(inflated, position);
        return full;
      },
    } as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch (e) {
    throw asStudioError(e, file, 'corrupt DICOM file', 'The file is truncated or damaged; export it again');
  }
  const ts = str(ds, 'x00020010') ?? '1.2.840.10008.1.2';
  const rows = ds.uint16('x00280010') ?? 0,
    cols = ds.uint16('x00280011') ?? 0;
  const seriesUid = str(ds, 'x0020000e');
  if (!seriesUid)
    fail('bad-file', file, 'DICOM file without SeriesInstanceUID', 'This is not an image of a series; remove it from the folder');
  if (ds.elements.x7fe00010 === undefined && opts.pixels !== false)
    fail('bad-file', file, 'DICOM file without pixel data', 'Remove non-image objects (reports, presentation states) from the folder');
  checkDims(file, [rows, cols], maxSide, maxVoxels);
  const frameCount = Math.max(1, ds.intString('x00280008') ?? 1);
  checkDims(file, [rows, cols, frameCount], maxSide * 4096, maxVoxels);
  const spp = ds.uint16('x00280002') ?? 1;
  if (spp !== 1 && spp !== 3) fail('unsupported', file, `DICOM with ${spp} samples per pixel`, 'Use grayscale or RGB images');

  const shared = firstItem(ds, 'x52009229');
  const perFrame = ds.elements.x52009230?.items;
  const geomOf = (d: DataSet | undefined): DicomFrameGeometry => {
    const pos = nums(d ?? ds, 'x00200032', 3) ?? (d ? nums(firstItem(d, 'x00209113') ?? d, 'x00200032', 3) : undefined);
    const ori = nums(d ?? ds, 'x00200037', 6) ?? (d ? nums(firstItem(d, 'x00209116') ?? d, 'x00200037', 6) : undefined);
    return {
      ...(pos ? { position: pos as [number, number, number] } : {}),
      ...(ori ? { orientation: ori as DicomFrameGeometry['orientation'] } : {}),
    };
  };
  const top = geomOf(undefined);
  const sharedGeom = shared ? geomOf(shared) : {};
  const geometry: DicomFrameGeometry[] = [];
  for (let f = 0; f < frameCount; f++) {
    const pf = perFrame?.[f]?.dataSet ? geomOf(perFrame[f].dataSet) : {};
    geometry.push({ ...top, ...sharedGeom, ...pf });
  }
  const measures = firstItem(shared, 'x00289110');
  const spacing = nums(ds, 'x00280030', 2) ?? (measures ? nums(measures, 'x00280030', 2) : undefined);
  const thickness = ds.floatString('x00180050') ?? measures?.floatString('x00180050');
  const transform = firstItem(shared, 'x00289145');
  const slope = ds.floatString('x00281053') ?? transform?.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? transform?.floatString('x00281052') ?? 0;
  const voi = firstItem(shared, 'x00289132');
  const wc = ds.floatString('x00281050') ?? voi?.floatString('x00281050');
  const ww = ds.floatString('x00281051') ?? voi?.floatString('x00281051');

  const img: DicomImage = {
    ...(file !== undefined ? { file } : {}),
    transferSyntax: ts,
    sopInstanceUid: str(ds, 'x00080018'),
    seriesUid,
    studyUid: str(ds, 'x0020000d'),
    patientId: str(ds, 'x00100020') ?? str(ds, 'x00100010') ?? 'unknown',
    modality: str(ds, 'x00080060'),
    seriesDescription: str(ds, 'x0008103e'),
    instanceNumber: ds.intString('x00200013'),
    rows,
    cols,
    frameCount,
    samplesPerPixel: spp as 1 | 3,
    ...(spacing && spacing.every((v) => v > 0) ? { pixelSpacing: spacing as [number, number] } : {}),
    ...(thickness !== undefined && Number.isFinite(thickness) && thickness > 0 ? { sliceThickness: thickness } : {}),
    ...(wc !== undefined && Number.isFinite(wc) ? { windowCenter: wc } : {}),
    ...(ww !== undefined && Number.isFinite(ww) ? { windowWidth: ww } : {}),
    geometry,
    frames: [],
  };
  if (opts.pixels === false) return img;

  const syntax = TRANSFER_SYNTAXES[ts];
  const codec = dicomDecoder(ts);
  if (!codec && (!syntax || !syntax.supported)) {
    fail(
      'unsupported',
      file,
      `compressed transfer syntax ${transferSyntaxLabel(ts)} is not supported`,
      'Convert the series to uncompressed (Explicit VR Little Endian), e.g. with `dcmdjpeg`/`gdcmconv --raw`',
    );
  }
  const bitsAllocated = ds.uint16('x00280100') ?? 16;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32)
    fail('unsupported', file, `DICOM with ${bitsAllocated} bits allocated`, 'Use 8-, 16- or 32-bit images');
  if (bitsStored < 1 || bitsStored > bitsAllocated)
    fail(
      'bad-file',
      file,
      `DICOM BitsStored ${bitsStored} > BitsAllocated ${bitsAllocated}`,
      'The header is corrupt; export the image again',
    );
  const planar = codec ? 0 : (ds.uint16('x00280006') ?? 0);
  const photometric = (str(ds, 'x00280004') ?? 'MONOCHROME2').toUpperCase();
  // Compressed colour (YBR_*) comes out of the codecs as interleaved RGB.
  if (spp === 3 && photometric !== 'RGB' && !(codec && photometric.startsWith('YBR')))
    fail('unsupported', file, `DICOM colour model ${photometric}`, 'Convert the images to RGB or MONOCHROME2');
  const el = ds.elements.x7fe00010;
  const bytesPer = bitsAllocated / 8;
  const frameSamples = rows * cols * spp;
  const frameBytes = frameSamples * bytesPer;
  if (frameBytes * frameCount > maxBytes)
    fail(
      'too-large',
      file,
      `pixel data of ${frameBytes * frameCount} bytes exceeds the per-file limit`,
      'Raise the per-file size limit if the file is genuine',
    );
  const src = ds.byteArray as Uint8Array;
  const rawFrames: Uint8Array[] = [];
  if (codec) {
    for (let f = 0; f < frameCount; f++) {
      let encoded: Uint8Array;
      try {
        encoded = encodedFrame(ds, el, f, frameCount, ts);
      } catch (e) {
        throw asStudioError(e, file, `corrupt compressed pixel data in frame ${f}`, 'The file is truncated or damaged; export it again');
      }
      let out: Uint8Array;
      try {
        out = codec(encoded, {
          rows,
          cols,
          samplesPerPixel: spp,
          bitsAllocated,
          bitsStored,
          signed,
          ...(file !== undefined ? { file } : {}),
        });
      } catch (e) {
        throw asStudioError(
          e,
          file,
          `could not decode frame ${f} (${transferSyntaxLabel(ts)})`,
          'The file may be damaged; export it again, or convert it to uncompressed',
        );
      }
      if (out.length !== frameBytes)
        fail(
          'bad-file',
          file,
          `frame ${f} decodes to ${out.length} bytes, expected ${frameBytes} (${cols}x${rows}, ${bitsAllocated} bits)`,
          'The header does not match the compressed image; export it again',
        );
      rawFrames.push(out);
    }
  } else if (ts === '1.2.840.10008.1.2.5') {
    for (let f = 0; f < frameCount; f++) {
      let frag: Uint8Array;
      try {
        frag = dicomParser.readEncapsulatedPixelDataFromFragments(
          ds,
          el,
          f === 0 && frameCount === 1 ? 0 : f,
          frameCount === 1 ? el.fragments?.length : 1,
        ) as Uint8Array;
      } catch (e) {
        throw asStudioError(e, file, `corrupt RLE pixel data in frame ${f}`, 'The file is truncated or damaged; export it again');
      }
      rawFrames.push(decodeRle(frag, rows, cols, spp, bytesPer, file));
    }
  } else {
    if (el.encapsulatedPixelData)
      fail('bad-file', file, 'encapsulated pixel data in an uncompressed transfer syntax', 'The file is inconsistent; export it again');
    if (el.dataOffset + frameBytes * frameCount > src.length || el.length < frameBytes * frameCount) {
      fail(
        'bad-file',
        file,
        `pixel data holds ${Math.max(0, Math.min(el.length, src.length - el.dataOffset))} of ${frameBytes * frameCount} bytes (truncated?)`,
        'The file is truncated; copy or export it again',
      );
    }
    for (let f = 0; f < frameCount; f++) rawFrames.push(src.subarray(el.dataOffset + f * frameBytes, el.dataOffset + (f + 1) * frameBytes));
  }
  const bigEndian = ts === '1.2.840.10008.1.2.2';
  // RLE stores samples most-significant byte first per segment; decodeRle already reassembles them little endian.
  for (const raw of rawFrames) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(frameSamples);
    const shift = bitsAllocated === 32 ? 0 : 32 - bitsStored;
    for (let i = 0; i < frameSamples; i++) {
      // Planar RGB (R plane, G plane, B plane) is re-interleaved to HxWxC.
      const si = spp === 3 && planar === 1 ? (i % 3) * rows * cols + Math.floor(i / 3) : i;
      let v: number;
      if (bitsAllocated === 8) v = raw[si];
      else if (bitsAllocated === 16) v = dv.getUint16(si * 2, !bigEndian);
      else v = signed ? dv.getInt32(si * 4, !bigEndian) : dv.getUint32(si * 4, !bigEndian);
      if (bitsAllocated !== 32) {
        // Keep only BitsStored bits, sign-extending when PixelRepresentation says signed.
        v = signed ? (v << shift) >> shift : (v << shift) >>> shift;
      }
      out[i] = v * slope + intercept;
    }
    if (photometric === 'MONOCHROME1') {
      // MONOCHROME1 shows low values as white; flip so that brighter means higher everywhere.
      let lo = Infinity,
        hi = -Infinity;
      for (const v of out) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      for (let i = 0; i < out.length; i++) out[i] = hi + lo - out[i];
    }
    img.frames.push(out);
  }
  return img;
}
