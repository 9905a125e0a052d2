import { checkSameSize } from './overlap';

/** Codes of `confusionOverlay`, for the viewer's colour table. */
export const OVERLAY = { TN: 0, TP: 1, FP: 2, FN: 3 } as const;

/**
 * The one palette for TP/FP/FN everywhere (Sweep view grid, report grids): Okabe-Ito
 * bluish green, orange and sky blue, which stay distinct under the common colour-vision deficiencies.
 */
export const OVERLAY_COLOURS: Record<'TP' | 'FP' | 'FN', [number, number, number]> = {
  TP: [0, 158, 115],
  FP: [230, 159, 0],
  FN: [86, 180, 233],
};

/** Per pixel: 0 = true negative, 1 = true positive, 2 = false positive, 3 = false negative. */
export function confusionOverlay(pred: Uint8Array, truth: Uint8Array): Uint8Array {
  checkSameSize(pred, truth);
  const out = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    out[i] = p ? (t ? 1 : 2) : t ? 3 : 0;
  }
  return out;
}
