import * as nifti from 'nifti-reader-js';
import { fail, guard, asStudioError, checkDims } from './fail.js';
import { gunzipHead, gunzipLimited, isGzip } from './inflate.js';

/**
 * NIfTI-1 volume reoriented to the studio's one slice convention (shared with DICOM axial):
 * slices ordered inferior -> superior, rows anterior -> posterior, columns patient right -> left
 * (radiological display, the same as an axial DICOM image). The nearest world axis of each voxel
 * axis is taken from the sform (sform_code > 0), else the qform (qform_code > 0), else the voxel
 * axes are assumed to be RAS already. Oblique volumes are snapped to their nearest axes, not resampled.
 */
export interface NiftiVolume {
  /** Columns, rows and slices after reorientation. */
  width: number;
  height: number;
  depth: number;
  /** depth x height x width, rescaled by scl_slope/scl_inter. */
  data: Float32Array;
  /** [row mm, column mm]. */
  spacing: [number, number];
  sliceThickness: number;
  orientation: 'sform' | 'qform' | 'none';
  datatype: string;
  /** Per slice (after reorientation): voxels that were NaN/Inf in the file and are stored as 0. */
  nonFinite?: Uint32Array;
}

export interface NiftiLimits {
  maxSide: number;
  maxVoxels: number;
  maxBytes: number;
}
const DEF: NiftiLimits = { maxSide: 8192, maxVoxels: 2 ** 31 - 1, maxBytes: 1024 ** 3 };

const TYPES: Record<number, { name: string; size: number; read: (dv: DataView, o: number, le: boolean) => number }> = {
  2: { name: 'uint8', size: 1, read: (dv, o) => dv.getUint8(o) },
  4: { name: 'int16', size: 2, read: (dv, o, le) => dv.getInt16(o, le) },
  8: { name: 'int32', size: 4, read: (dv, o, le) => dv.getInt32(o, le) },
  16: { name: 'float32', size: 4, read: (dv, o, le) => dv.getFloat32(o, le) },
  64: { name: 'float64', size: 8, read: (dv, o, le) => dv.getFloat64(o, le) },
  256: { name: 'int8', size: 1, read: (dv, o) => dv.getInt8(o) },
  512: { name: 'uint16', size: 2, read: (dv, o, le) => dv.getUint16(o, le) },
  768: { name: 'uint32', size: 4, read: (dv, o, le) => dv.getUint32(o, le) },
};

export function isNiftiBytes(b: Uint8Array): boolean {
  // "n+1\0" at byte 344 of a single-file NIfTI-1.
  return b.length >= 348 && b[344] === 0x6e && b[345] === 0x2b && b[346] === 0x31 && b[347] === 0;
}

export function decodeNifti(input: Uint8Array, file?: string, limits: NiftiLimits = DEF): NiftiVolume {
  return guard(file, 'corrupt NIfTI file', () => decodeNiftiUnguarded(input, file, limits));
}

/** Geometry of a NIfTI-1 volume in the studio's slice convention, without its voxels. */
export type NiftiGeometry = Omit<NiftiVolume, 'data'>;

interface Parsed extends NiftiGeometry {
  h: nifti.NIFTI1;
  t: (typeof TYPES)[number];
  dims: [number, number, number];
  off: number;
  need: number;
  axisOf: number[];
  signOf: number[];
}

/** Header checks and orientation; needs only the first 352 (decompressed) bytes. */
function parseHeader(bytes: Uint8Array, file: string | undefined, limits: NiftiLimits): Parsed {
  if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true) === 540)
    fail('unsupported', file, 'NIfTI-2 files are not supported', 'Save the volume as NIfTI-1 (.nii or .nii.gz)');
  if (!isNiftiBytes(bytes))
    fail(
      'bad-file',
      file,
      'not a NIfTI-1 file (no "n+1" magic; .hdr/.img pairs are not read)',
      'Save the volume as a single-file NIfTI-1 (.nii or .nii.gz)',
    );
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let h: nifti.NIFTI1;
  try {
    h = nifti.readHeader(buf) as nifti.NIFTI1;
  } catch (e) {
    throw asStudioError(e, file, 'corrupt NIfTI header', 'The file is damaged; export it again');
  }
  const nd = h.dims[0];
  if (!(nd >= 2 && nd <= 7)) fail('bad-file', file, `NIfTI header has ${nd} dimensions`, 'The header is corrupt; export the volume again');
  const [nx, ny] = [h.dims[1], h.dims[2]];
  const nz = nd >= 3 ? h.dims[3] : 1;
  for (let d = 4; d <= nd; d++)
    if (h.dims[d] > 1)
      fail(
        'unsupported',
        file,
        `${nd}-D NIfTI volume (${h.dims.slice(1, nd + 1).join('x')}); only 3-D volumes are read`,
        'Extract one 3-D volume (e.g. `fslroi` or nibabel) and load that',
      );
  checkDims(file, [nx, ny], limits.maxSide, limits.maxVoxels);
  checkDims(file, [nx, ny, nz], limits.maxSide, limits.maxVoxels);
  const t = TYPES[h.datatypeCode];
  if (!t) fail('unsupported', file, `NIfTI datatype code ${h.datatypeCode}`, 'Save the volume as uint8, int16, int32, float32 or float64');
  const off = Math.floor(h.vox_offset);
  const need = nx * ny * nz * t.size;
  if (!(off >= 348)) fail('bad-file', file, `invalid vox_offset ${h.vox_offset}`, 'The header is corrupt; export the volume again');
  if (off + need > limits.maxBytes)
    fail('too-large', file, `voxel data of ${need} bytes exceeds the limit`, 'Raise the per-file size limit if the volume is genuine');

  const orientation: NiftiVolume['orientation'] = h.sform_code > 0 ? 'sform' : h.qform_code > 0 ? 'qform' : 'none';
  const A =
    orientation === 'none'
      ? [
          [h.pixDims[1] || 1, 0, 0],
          [0, h.pixDims[2] || 1, 0],
          [0, 0, h.pixDims[3] || 1],
        ]
      : h.affine;
  // For each world axis w: which voxel axis points along it, and in which direction.
  const axisOf = [-1, -1, -1],
    signOf = [1, 1, 1],
    size = [nx, ny, nz];
  const colNorm = [0, 1, 2].map((a) => Math.hypot(A[0][a], A[1][a], A[2][a]));
  let ok = colNorm.every((v) => Number.isFinite(v) && v > 0);
  if (ok) {
    for (let a = 0; a < 3; a++) {
      let best = 0;
      for (let w = 1; w < 3; w++) if (Math.abs(A[w][a]) > Math.abs(A[best][a])) best = w;
      if (axisOf[best] !== -1) {
        ok = false;
        break;
      }
      axisOf[best] = a;
      signOf[best] = A[best][a] >= 0 ? 1 : -1;
    }
  }
  if (!ok) {
    axisOf.splice(0, 3, 0, 1, 2);
    signOf.fill(1);
  }
  const spacingOf = (a: number): number => (ok ? colNorm[a] : Math.abs(h.pixDims[a + 1]) || 1);
  return {
    h,
    t,
    dims: [nx, ny, nz],
    off,
    need,
    axisOf,
    signOf,
    width: size[axisOf[0]],
    height: size[axisOf[1]],
    depth: size[axisOf[2]],
    spacing: [spacingOf(axisOf[1]), spacingOf(axisOf[0])],
    sliceThickness: spacingOf(axisOf[2]),
    orientation,
    datatype: t.name,
  };
}

/**
 * Where the studio's slice convention puts each voxel of a NIfTI-1 file: for a studio index
 * (slice k, row r, column c) of `width x height x depth`, the file's voxel is
 * `voxelIndex(k, r, c)`. Writers use it to put a mask back in the file's own voxel order.
 */
export interface NiftiLayout {
  width: number;
  height: number;
  depth: number;
  /** Voxel dims of the file [nx, ny, nz]. */
  dims: [number, number, number];
  littleEndian: boolean;
  voxelIndex(k: number, r: number, c: number): number;
}

export function readNiftiLayout(input: Uint8Array, file?: string, limits: NiftiLimits = DEF): NiftiLayout {
  return guard(file, 'corrupt NIfTI file', () => {
    const head = isGzip(input) ? gunzipHead(input, 352, file) : input;
    const p = parseHeader(head, file, limits);
    const [nx, ny] = p.dims;
    const stride = [1, nx, nx * ny];
    const sx = stride[p.axisOf[0]],
      sy = stride[p.axisOf[1]],
      sz = stride[p.axisOf[2]];
    const { width: W, height: H, depth: D, signOf } = p;
    return {
      width: W,
      height: H,
      depth: D,
      dims: p.dims,
      littleEndian: p.h.littleEndian,
      // The inverse of decodeNifti's loop (same flips).
      voxelIndex: (k, r, c) =>
        (signOf[0] > 0 ? W - 1 - c : c) * sx + (signOf[1] > 0 ? H - 1 - r : r) * sy + (signOf[2] > 0 ? k : D - 1 - k) * sz,
    };
  });
}

/** Geometry only: reads (or gunzips) just the header, for fast folder scans. */
export function readNiftiGeometry(input: Uint8Array, file?: string, limits: NiftiLimits = DEF): NiftiGeometry {
  return guard(file, 'corrupt NIfTI file', () => {
    const head = isGzip(input) ? gunzipHead(input, 352, file) : input;
    const { width, height, depth, spacing, sliceThickness, orientation, datatype } = parseHeader(head, file, limits);
    return { width, height, depth, spacing, sliceThickness, orientation, datatype };
  });
}

function decodeNiftiUnguarded(input: Uint8Array, file: string | undefined, limits: NiftiLimits): NiftiVolume {
  const bytes = isGzip(input) ? gunzipLimited(input, limits.maxBytes, file) : input;
  const p = parseHeader(bytes, file, limits);
  const { h, t, off, need, axisOf, signOf } = p;
  const [nx, ny] = p.dims;
  if (off + need > bytes.length)
    fail(
      'bad-file',
      file,
      `voxel data holds ${Math.max(0, bytes.length - off)} of ${need} bytes (truncated?)`,
      'The file is truncated; copy or export it again',
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset + off, need);
  const le = h.littleEndian;
  // scl_slope = 0 means "no scaling" per the NIfTI-1 standard.
  const slope = Number.isFinite(h.scl_slope) && h.scl_slope !== 0 ? h.scl_slope : 1;
  const inter = Number.isFinite(h.scl_inter) && h.scl_slope !== 0 ? h.scl_inter : 0;
  const W = p.width,
    H = p.height,
    D = p.depth;
  const stride = [1, nx, nx * ny];
  const data = new Float32Array(W * H * D);
  const sx = stride[axisOf[0]],
    sy = stride[axisOf[1]],
    sz = stride[axisOf[2]];
  let o = 0;
  let nonFinite: Uint32Array | undefined;
  for (let k = 0; k < D; k++) {
    const vz = signOf[2] > 0 ? k : D - 1 - k; // inferior -> superior
    for (let r = 0; r < H; r++) {
      const vy = signOf[1] > 0 ? H - 1 - r : r; // anterior -> posterior
      for (let c = 0; c < W; c++) {
        const vx = signOf[0] > 0 ? W - 1 - c : c; // right -> left
        const v = t.read(dv, (vx * sx + vy * sy + vz * sz) * t.size, le) * slope + inter;
        if (Number.isFinite(v)) data[o++] = v;
        else {
          data[o++] = 0;
          (nonFinite ??= new Uint32Array(D))[k]++;
        }
      }
    }
  }
  return {
    width: W,
    height: H,
    depth: D,
    data,
    spacing: p.spacing,
    sliceThickness: p.sliceThickness,
    orientation: p.orientation,
    datatype: p.datatype,
    ...(nonFinite ? { nonFinite } : {}),
  };
}

/** Minimal NIfTI-1 writer (little endian, sform set from `affine`) for label volumes and tests. */
export function encodeNifti1(
  data: ArrayLike<number>,
  dims: [number, number, number],
  opts: { datatype?: 2 | 4 | 16; affine?: number[][]; pixdim?: [number, number, number] } = {},
): Uint8Array {
  const dt = opts.datatype ?? 16;
  const size = dt === 2 ? 1 : dt === 4 ? 2 : 4;
  const n = dims[0] * dims[1] * dims[2];
  const out = new Uint8Array(352 + n * size);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, 348, true);
  dv.setInt16(40, 3, true);
  dims.forEach((d, i) => dv.setInt16(42 + 2 * i, d, true));
  for (let i = 3; i < 7; i++) dv.setInt16(42 + 2 * (i + 1), 1, true);
  dv.setInt16(70, dt, true);
  dv.setInt16(72, size * 8, true);
  const pd = opts.pixdim ?? [1, 1, 1];
  dv.setFloat32(76, 1, true);
  pd.forEach((p, i) => dv.setFloat32(80 + 4 * i, p, true));
  dv.setFloat32(108, 352, true);
  dv.setFloat32(112, 1, true);
  if (opts.affine) {
    dv.setInt16(254, 2, true);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + (r * 4 + c) * 4, opts.affine[r][c], true);
  }
  out.set([0x6e, 0x2b, 0x31, 0], 344);
  for (let i = 0; i < n; i++) {
    const o = 352 + i * size;
    if (dt === 2) dv.setUint8(o, data[i]);
    else if (dt === 4) dv.setInt16(o, data[i], true);
    else dv.setFloat32(o, data[i], true);
  }
  return out;
}
