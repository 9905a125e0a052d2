/**
 * Orientation markers (patient direction of each edge, from the slice's direction cosines) and a
 * scale bar (from the column pixel spacing and the current zoom), drawn in screen space after each
 * render so they stay readable at any zoom. Nothing is drawn for data without the information.
 */
import type * as cornerstone from 'cornerstone-core';
import { edgeLabels } from '../../../shared/data/orientation';

const NICE_MM = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/** The longest round length (mm) whose bar fits in `maxPx` screen pixels. */
export function scaleBarMm(mmPerScreenPx: number, maxPx: number): number | undefined {
  const fit = NICE_MM.filter((mm) => mm / mmPerScreenPx <= maxPx);
  return fit.at(-1);
}

export function drawAnnotations(
  detail: cornerstone.ImageRenderedDetail,
  slice: { spacing?: [number, number]; orientation?: number[] } | undefined,
): void {
  if (!slice) return;
  const ctx = detail.canvasContext;
  const { width: W, height: H } = ctx.canvas;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.font = '600 14px system-ui, sans-serif';
  ctx.fillStyle = '#ffd60a';
  ctx.strokeStyle = 'rgba(0,0,0,0.8)';
  ctx.lineWidth = 3;
  const text = (s: string, x: number, y: number, align: CanvasTextAlign, base: CanvasTextBaseline) => {
    ctx.textAlign = align;
    ctx.textBaseline = base;
    ctx.strokeText(s, x, y);
    ctx.fillText(s, x, y);
  };
  const vp = detail.viewport;
  // Markers assume no rotation or flip of the viewport (the studio never rotates or flips).
  if (slice.orientation?.length === 6 && !vp.rotation && !vp.hflip && !vp.vflip) {
    const e = edgeLabels(slice.orientation);
    text(e.left, 6, H / 2, 'left', 'middle');
    text(e.right, W - 6, H / 2, 'right', 'middle');
    text(e.top, W / 2, 6, 'center', 'top');
    text(e.bottom, W / 2, H - 6, 'center', 'bottom');
  }
  const colMm = slice.spacing?.[1];
  if (colMm && vp.scale > 0) {
    const mmPerPx = colMm / vp.scale;
    const mm = scaleBarMm(mmPerPx, W / 4);
    if (mm) {
      const len = mm / mmPerPx;
      const x = 12,
        y = H - 28;
      ctx.fillStyle = '#fff';
      ctx.strokeRect(x, y, len, 4);
      ctx.fillRect(x, y, len, 4);
      ctx.fillStyle = '#fff';
      text(`${mm} mm`, x, y - 4, 'left', 'bottom');
    }
  }
  ctx.restore();
}
