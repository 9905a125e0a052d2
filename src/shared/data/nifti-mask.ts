import { gzipSync } from 'fflate';
import { fail } from './fail.js';
import { gunzipHead, isGzip } from './inflate.js';
import { readNiftiLayout } from './nifti.js';

/**
 * Label volumes written as NIfTI-1 (`.nii.gz`, uint8, intent NIFTI_INTENT_LABEL) in the geometry
 * of the scan they were predicted on, so 3D Slicer / ITK-SNAP put them exactly over the source.
 * Masks come in the studio's slice convention (slice, row, column; see decodeNifti).
 */
const NIFTI_INTENT_LABEL = 1002;
const HEADER = 348;
const VOX_OFFSET = 352;

export interface LabelNiftiOptions {
  /** Up to 79 ASCII characters stored in `descrip`. */
  description?: string;
  file?: string;
}

function writeCommon(dv: DataView, le: boolean, maxLabel: number, description: string | undefined): void {
  dv.setInt16(68, NIFTI_INTENT_LABEL, le);
  dv.setInt16(70, 2, le); // datatype uint8
  dv.setInt16(72, 8, le); // bitpix
  dv.setFloat32(108, VOX_OFFSET, le);
  dv.setFloat32(112, 1, le); // scl_slope
  dv.setFloat32(116, 0, le); // scl_inter
  dv.setFloat32(124, maxLabel, le); // cal_max
  dv.setFloat32(128, 0, le); // cal_min
  const text = (description ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 79);
  for (let i = 0; i < 80; i++) dv.setUint8(148 + i, i < text.length ? text.charCodeAt(i) : 0);
  for (let i = HEADER; i < VOX_OFFSET; i++) dv.setUint8(i, 0); // no extensions
}

function maxOf(mask: Uint8Array): number {
  let m = 0;
  for (const v of mask) if (v > m) m = v;
  return m;
}

/**
 * A label volume in the voxel grid of `source` (the bytes of a NIfTI-1 file, `.nii` or `.nii.gz`):
 * the source's header is kept (dims, pixdim, qform, sform, units, byte order), the voxels are put
 * back in the source's own order and size. Returns gzipped bytes.
 */
export function encodeLabelNiftiLike(source: Uint8Array, mask: Uint8Array, opts: LabelNiftiOptions = {}): Uint8Array {
  const layout = readNiftiLayout(source, opts.file);
  const { width: W, height: H, depth: D } = layout;
  if (mask.length !== W * H * D)
    fail('mismatch', opts.file, `mask has ${mask.length} voxels but the scan is ${W}x${H}x${D}`, 'Write the mask predicted on this scan');
  const head = isGzip(source) ? gunzipHead(source, HEADER, opts.file) : source;
  const [nx, ny, nz] = layout.dims;
  const out = new Uint8Array(VOX_OFFSET + nx * ny * nz);
  out.set(head.subarray(0, HEADER));
  const dv = new DataView(out.buffer);
  const le = layout.littleEndian;
  // A 2-D source becomes a one-slice 3-D volume; higher dims (length 1, checked by the reader) drop.
  dv.setInt16(40, 3, le);
  dv.setInt16(46, nz, le);
  for (let d = 4; d <= 7; d++) dv.setInt16(40 + 2 * d, 1, le);
  writeCommon(dv, le, maxOf(mask), opts.description);
  let o = 0;
  for (let k = 0; k < D; k++)
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) out[VOX_OFFSET + layout.voxelIndex(k, r, c)] = mask[o++];
  return gzipSync(out, { level: 6 });
}

/** Unit quaternion (b, c, d) and qfac of a 3x3 direction matrix (columns = voxel axes), as nifti1_io's mat44_to_quatern. */
export function quaternionOf(R: number[][]): { b: number; c: number; d: number; qfac: 1 | -1 } {
  const m = R.map((row) => [...row]);
  const det =
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  if (qfac < 0) for (let r = 0; r < 3; r++) m[r][2] = -m[r][2];
  const [[r11, r12, r13], [r21, r22, r23], [r31, r32, r33]] = m;
  let a = r11 + r22 + r33 + 1,
    b: number,
    c: number,
    d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33),
      yd = 1 + r22 - (r11 + r33),
      zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac };
}

/**
 * A label volume from a voxel-to-RAS affine (3 rows of 4: columns = the studio's column, row and
 * slice axes, then the origin), e.g. built from a DICOM series' positions and direction cosines.
 * `mask` is in the studio order (slice, row, column), written as i = column, j = row, k = slice.
 * The sform holds the affine exactly; the qform too when the axes are orthogonal (no gantry tilt).
 * Returns gzipped bytes.
 */
export function encodeLabelNifti(
  mask: Uint8Array,
  dims: [width: number, height: number, depth: number],
  affine: number[][],
  opts: LabelNiftiOptions = {},
): Uint8Array {
  const [W, H, D] = dims;
  if (mask.length !== W * H * D)
    fail('mismatch', opts.file, `mask has ${mask.length} voxels but the grid is ${W}x${H}x${D}`, 'Pass the dims of the mask');
  if (W > 32767 || H > 32767 || D > 32767)
    fail('too-large', opts.file, `grid ${W}x${H}x${D} does not fit a NIfTI-1 header`, 'Crop the volume');
  const out = new Uint8Array(VOX_OFFSET + mask.length);
  const dv = new DataView(out.buffer);
  const le = true;
  dv.setInt32(0, HEADER, le);
  dv.setInt16(40, 3, le);
  [W, H, D, 1, 1, 1, 1].forEach((n, i) => dv.setInt16(42 + 2 * i, n, le));
  const spacing = [0, 1, 2].map((a) => Math.hypot(affine[0][a], affine[1][a], affine[2][a]));
  if (!spacing.every((s) => Number.isFinite(s) && s > 0))
    fail('bad-input', opts.file, 'the scan geometry has a zero-length axis', 'Check the pixel spacing and slice positions of the scan');
  const R = [0, 1, 2].map((r) => [0, 1, 2].map((a) => affine[r][a] / spacing[a]));
  const dot = (a: number, b: number) => R[0][a] * R[0][b] + R[1][a] * R[1][b] + R[2][a] * R[2][b];
  // DICOM positions are rounded (~0.1 mm), so the slice step of a straight series is a few
  // 1e-4 off the normal; beyond 1e-2 (0.6 degrees) it is a tilt that only the sform can hold.
  const orthogonal = Math.abs(dot(0, 1)) < 1e-2 && Math.abs(dot(0, 2)) < 1e-2 && Math.abs(dot(1, 2)) < 1e-2;
  const q = quaternionOf(R);
  dv.setFloat32(76, orthogonal ? q.qfac : 1, le);
  spacing.forEach((s, i) => dv.setFloat32(80 + 4 * i, s, le));
  dv.setUint8(123, 2); // xyzt_units: mm
  writeCommon(dv, le, maxOf(mask), opts.description);
  if (orthogonal) {
    dv.setInt16(252, 1, le); // qform_code: scanner
    [q.b, q.c, q.d, affine[0][3], affine[1][3], affine[2][3]].forEach((v, i) => dv.setFloat32(256 + 4 * i, v, le));
  }
  dv.setInt16(254, 1, le); // sform_code: scanner
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + (r * 4 + c) * 4, affine[r][c], le);
  out.set([0x6e, 0x2b, 0x31, 0], 344);
  out.set(mask, VOX_OFFSET);
  return gzipSync(out, { level: 6 });
}
