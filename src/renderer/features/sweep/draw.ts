/**
 * Drawing one grid cell: the 8-bit slice under a display window, with the confusion overlay of
 * prediction against truth. Colours (Okabe-Ito, colour-blind safe): TP bluish green, FP orange,
 * FN sky blue; the legend in the view says so.
 */
import { OVERLAY, OVERLAY_COLOURS } from '../../../shared/metrics/overlay';

export { OVERLAY_COLOURS };

export interface DisplayWindow {
  /** Centre and width on the 0..255 scale of the stored 8-bit image. */
  center: number;
  width: number;
}

/** RGBA pixels of one cell at native size; `overlay` is `confusionOverlay(pred, truth)` or undefined (image only). */
export function composeCell(image: Uint8Array, overlay: Uint8Array | undefined, win: DisplayWindow, alpha: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(image.length * 4);
  const lo = win.center - win.width / 2;
  const scale = 255 / Math.max(1, win.width);
  const tp = OVERLAY_COLOURS.TP;
  const fp = OVERLAY_COLOURS.FP;
  const fn = OVERLAY_COLOURS.FN;
  for (let i = 0; i < image.length; i++) {
    const g = Math.max(0, Math.min(255, (image[i] - lo) * scale));
    let r = g;
    let gg = g;
    let b = g;
    const o = overlay ? overlay[i] : 0;
    if (o !== OVERLAY.TN) {
      const c = o === OVERLAY.TP ? tp : o === OVERLAY.FP ? fp : fn;
      r = g * (1 - alpha) + c[0] * alpha;
      gg = g * (1 - alpha) + c[1] * alpha;
      b = g * (1 - alpha) + c[2] * alpha;
    }
    out[i * 4] = r;
    out[i * 4 + 1] = gg;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
  return out;
}

const scratch = typeof document !== 'undefined' ? document.createElement('canvas') : undefined;

/** Draws `rgba` (size x size) into `canvas`, magnified by `zoom` around the centre, pixels kept sharp. */
export function paint(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, size: number, zoom: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx || !scratch) return;
  scratch.width = size;
  scratch.height = size;
  const sctx = scratch.getContext('2d');
  if (!sctx) return;
  sctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), size, size), 0, 0);
  const src = size / Math.max(1, zoom);
  const off = (size - src) / 2;
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(scratch, off, off, src, src, 0, 0, canvas.width, canvas.height);
}

/** Outline colours of the enlarged cell: truth solid white, prediction dashed Okabe-Ito yellow. */
export const OUTLINE_COLOURS = { truth: '#ffffff', pred: '#F0E442' } as const;

/**
 * Draws the outline of a binary mask (size x size) on `canvas` along pixel edges, scaled like
 * `paint` (same zoom about the centre), so the outline sits exactly on the drawn pixels.
 */
export function strokeMask(canvas: HTMLCanvasElement, mask: Uint8Array, size: number, zoom: number, colour: string, dashed: boolean): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const src = size / Math.max(1, zoom);
  const off = (size - src) / 2;
  const k = canvas.width / src;
  const X = (x: number) => (x - off) * k;
  const Y = (y: number) => (y - off) * k;
  const at = (x: number, y: number) => x >= 0 && y >= 0 && x < size && y < size && mask[y * size + x] !== 0;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.setLineDash(dashed ? [5, 4] : []);
  ctx.beginPath();
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!at(x, y)) continue;
      if (!at(x, y - 1)) {
        ctx.moveTo(X(x), Y(y));
        ctx.lineTo(X(x + 1), Y(y));
      }
      if (!at(x, y + 1)) {
        ctx.moveTo(X(x), Y(y + 1));
        ctx.lineTo(X(x + 1), Y(y + 1));
      }
      if (!at(x - 1, y)) {
        ctx.moveTo(X(x), Y(y));
        ctx.lineTo(X(x), Y(y + 1));
      }
      if (!at(x + 1, y)) {
        ctx.moveTo(X(x + 1), Y(y));
        ctx.lineTo(X(x + 1), Y(y + 1));
      }
    }
  }
  ctx.stroke();
  ctx.restore();
}
