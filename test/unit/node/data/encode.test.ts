/** Slice encoding for the viewer: Int16 quantisation and the image ids of the cornerstone loader. */
import { describe, expect, it } from 'vitest';
import { channelOf, encodeSlice, quantise } from '../../../../src/node/data/encode';
import { parseSliceImageId, sliceImageId } from '../../../../src/renderer/features/viewer/imageId';
import type { Slice } from '../../../../src/shared/data/types';

describe('quantise', () => {
  it('keeps integer data that fits Int16 exactly (slope 1)', () => {
    const q = quantise(Float32Array.from([-1024, 0, 3071, 12]));
    expect(q).toMatchObject({ slope: 1, intercept: 0, min: -1024, max: 3071 });
    expect(Array.from(q.stored)).toEqual([-1024, 0, 3071, 12]);
  });

  it('scales real-valued data into Int16 within half a step', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e5 + 0.37);
    const q = quantise(values);
    expect(q.slope).not.toBe(1);
    for (let i = 0; i < values.length; i++)
      expect(Math.abs(q.stored[i] * q.slope + q.intercept - values[i])).toBeLessThanOrEqual(q.slope / 2 + 1e-3);
  });

  it('survives constant and non-finite data', () => {
    expect(quantise(Float32Array.from([5.5, 5.5])).stored.length).toBe(2);
    const q = quantise(Float32Array.from([NaN, Infinity, 2.5]));
    expect(Number.isFinite(q.min) && Number.isFinite(q.max)).toBe(true);
  });
});

describe('encodeSlice', () => {
  const slice: Slice = {
    caseId: 'c',
    index: 1,
    width: 2,
    height: 2,
    channels: 3,
    image: Float32Array.from([1, 10, 100, 2, 20, 200, 3, 30, 300, 4, 40, 400]),
    mask: Uint8Array.from([0, 1, 1, 0]),
    source: 'x.tif',
  };

  it('picks FLAIR for 3-channel LGG data and channel 0 otherwise', () => {
    expect(Array.from(channelOf(slice, 1))).toEqual([10, 20, 30, 40]);
    expect(encodeSlice(slice, 4, 'lgg').channel).toBe(1);
    expect(encodeSlice({ ...slice, channels: 1, image: Float32Array.from([1, 2, 3, 4]) }, 4, 'dicom').channel).toBe(0);
    expect(encodeSlice(slice, 4, 'lgg').lesionPixels).toBe(2);
    expect(() => encodeSlice(slice, 4, 'lgg', 3)).toThrow(/channel 3/);
  });

  it('uses the file window for single-channel data and an automatic one otherwise', () => {
    const mono = { ...slice, channels: 1, image: Float32Array.from([0, 100, 200, 300]), window: { center: 40, width: 400, auto: false } };
    expect(encodeSlice(mono, 4, 'dicom').window).toEqual({ center: 40, width: 400, auto: false });
    expect(encodeSlice(slice, 4, 'lgg').window.auto).toBe(true);
  });
});

describe('image ids', () => {
  it('round-trip case ids with any characters', () => {
    const ref = { datasetId: 'ds-1a', caseId: '1.2.840:10008/x y', index: 7, channel: 2 };
    expect(parseSliceImageId(sliceImageId(ref))).toEqual(ref);
    expect(parseSliceImageId('wadouri:foo')).toBeUndefined();
  });
});
