/**
 * One slice as the viewer wants it: a single channel quantised to Int16 (value = stored * slope +
 * intercept; exact for 8/12/16-bit scans), a display window, and the RLE mask. Half the bytes of
 * Float32, and cornerstone builds its lookup table from integer stored values.
 */
import type { DatasetFormat, Slice } from '../../shared/data/types';
import type { SliceOutput } from '../../shared/api/schemas/datasets';
import { autoWindow } from '../../shared/data/window';
import { encodeMask } from '../../shared/metrics/encode';
import { encodeLabelMap } from '../../shared/data/labelMap';
import { StudioError } from '../../shared/errors';
import { defaultChannel } from '../../shared/data/channels';

export interface Quantised {
  stored: Int16Array;
  slope: number;
  intercept: number;
  min: number;
  max: number;
}

export function quantise(values: Float32Array): Quantised {
  let min = Infinity,
    max = -Infinity,
    integral = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    if (integral && v !== Math.round(v)) integral = false;
  }
  if (min > max) min = max = 0; // all NaN: show black rather than fail
  const stored = new Int16Array(values.length);
  if (integral && min >= -32768 && max <= 32767) {
    for (let i = 0; i < values.length; i++) stored[i] = Number.isFinite(values[i]) ? values[i] : min;
    return { stored, slope: 1, intercept: 0, min, max };
  }
  const intercept = (min + max) / 2;
  const slope = max > min ? (max - min) / 65534 : 1;
  for (let i = 0; i < values.length; i++) {
    const v = Number.isFinite(values[i]) ? values[i] : min;
    stored[i] = Math.max(-32767, Math.min(32767, Math.round((v - intercept) / slope)));
  }
  return { stored, slope, intercept, min, max };
}

export function channelOf(slice: Slice, channel: number): Float32Array {
  if (slice.channels === 1) return slice.image;
  const n = slice.width * slice.height;
  const out = new Float32Array(n);
  for (let i = 0, j = channel; i < n; i++, j += slice.channels) out[i] = slice.image[j];
  return out;
}

function toBase64(a: Int16Array): string {
  // Int16Array is little-endian on every platform Node and Electron run on.
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function encodeSlice(slice: Slice, sliceCount: number, format: DatasetFormat, requested?: number): SliceOutput {
  const channel = requested ?? defaultChannel(format, slice.channels);
  if (channel >= slice.channels) {
    throw new StudioError({
      code: 'bad-input',
      what: `channel ${channel} requested, the slice has ${slice.channels}`,
      hint: `Use a channel from 0 to ${slice.channels - 1}`,
    });
  }
  const values = channelOf(slice, channel);
  const q = quantise(values);
  // The file's own window (DICOM) applies to single-channel data; otherwise window this channel.
  const window = slice.window && !slice.window.auto && slice.channels === 1 ? slice.window : autoWindow(values);
  let lesionPixels = 0;
  if (slice.mask) for (let i = 0; i < slice.mask.length; i++) lesionPixels += slice.mask[i] ? 1 : 0;
  return {
    caseId: slice.caseId,
    index: slice.index,
    sliceCount,
    width: slice.width,
    height: slice.height,
    channels: slice.channels,
    channel,
    pixels: toBase64(q.stored),
    slope: q.slope,
    intercept: q.intercept,
    min: q.min,
    max: q.max,
    window,
    ...(slice.mask ? { mask: encodeMask(slice.mask) } : {}),
    ...(slice.labels ? { labels: encodeLabelMap(slice.labels) } : {}),
    lesionPixels,
    ...(slice.spacing ? { spacing: slice.spacing } : {}),
    ...(slice.sliceThickness !== undefined ? { sliceThickness: slice.sliceThickness } : {}),
    ...(slice.orientation?.length === 6 ? { orientation: slice.orientation } : {}),
    source: slice.source,
  };
}
