/**
 * The `varstudio:` image loader: cornerstone asks for an image id, we fetch `datasets.slice`
 * through the typed API and build a cornerstone image (Int16 stored values + slope/intercept, the
 * mask kept on the image for the overlay).
 */
import * as cornerstone from 'cornerstone-core';
import type { ApiClient } from '../../../shared/api/client';
import type { SliceOutput } from '../../../shared/api/schemas/datasets';
import { base64ToBytes } from '../../../shared/base64';
import { decodeMask } from '../../../shared/metrics/encode';
import { decodeLabelMap } from '../../../shared/data/labelMap';
import { StudioError } from '../../../shared/errors';
import { parseSliceImageId, SCHEME } from './imageId';

/** What the viewer needs besides the pixels; kept on the image object as `studio`. */
export interface StudioImageInfo {
  slice: Omit<SliceOutput, 'pixels' | 'mask' | 'labels'>;
  mask?: Uint8Array;
  /** The label map the mask was taken from (multi-label masks), drawn with the colour table. */
  labels?: Uint16Array;
}

export type StudioImage = cornerstone.CornerstoneImage & { studio: StudioImageInfo };

let client: ApiClient | undefined;
let registered = false;

function decodeInt16(b64: string): Int16Array {
  const bytes = base64ToBytes(b64);
  if (!bytes)
    throw new StudioError({
      code: 'internal',
      what: 'The slice pixels arrived garbled (not base64)',
      hint: 'Reload the data set; report it if it repeats',
    });
  return new Int16Array(bytes.buffer, 0, bytes.length >> 1);
}

export function toCornerstoneImage(imageId: string, s: SliceOutput): StudioImage {
  const stored = decodeInt16(s.pixels);
  let lo = 32767,
    hi = -32768;
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) lo = hi = 0;
  const { pixels: _p, mask: rle, labels: map, ...slice } = s;
  return {
    imageId,
    minPixelValue: lo,
    maxPixelValue: hi,
    slope: s.slope,
    intercept: s.intercept,
    windowCenter: s.window.center,
    windowWidth: s.window.width,
    getPixelData: () => stored,
    rows: s.height,
    columns: s.width,
    height: s.height,
    width: s.width,
    color: false,
    rgba: false,
    invert: false,
    ...(s.spacing ? { rowPixelSpacing: s.spacing[0], columnPixelSpacing: s.spacing[1] } : {}),
    sizeInBytes: stored.byteLength + (rle ? s.width * s.height : 0) + (map ? 2 * s.width * s.height : 0),
    studio: {
      slice,
      ...(rle ? { mask: decodeMask(rle, s.width * s.height) } : {}),
      ...(map ? { labels: decodeLabelMap(map, s.width * s.height) } : {}),
    },
  };
}

function load(imageId: string): cornerstone.ImageLoadObject {
  const ref = parseSliceImageId(imageId);
  const api = client;
  const promise = (async () => {
    if (!ref) throw new StudioError({ code: 'bad-input', what: `Malformed image id ${imageId}`, hint: 'This is a bug in the viewer.' });
    if (!api)
      throw new StudioError({ code: 'internal', what: 'The image loader is not connected to the studio', hint: 'Reload the page.' });
    const s = await api.call('datasets.slice', { datasetId: ref.datasetId, caseId: ref.caseId, index: ref.index, channel: ref.channel });
    return toCornerstoneImage(imageId, s);
  })();
  return { promise };
}

/**
 * Registered once at start (`main.tsx`), released at teardown (cornerstone3D's loader lifecycle).
 * cornerstone-core has no unregister call, so releasing disconnects the loader from the studio and
 * drops every cached image: nothing loaded through an old connection can be shown afterwards.
 * Returns the release function.
 */
export function registerStudioLoader(api: ApiClient): () => void {
  client = api;
  if (!registered) {
    cornerstone.registerImageLoader(SCHEME, load);
    registered = true;
  }
  return () => {
    if (client !== api) return;
    client = undefined;
    cornerstone.imageCache.purgeCache();
  };
}

export function studioInfo(image: cornerstone.CornerstoneImage | undefined): StudioImageInfo | undefined {
  return (image as StudioImage | undefined)?.studio;
}
