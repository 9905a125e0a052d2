/**
 * The mask overlay, drawn into cornerstone's canvas after each render in image pixel coordinates
 * (the way cornerstone-tools draws annotations), so zoom and pan apply to it for free and the
 * canvas holds exactly what the user sees.
 */
import * as cornerstone from 'cornerstone-core';
import { labelColour } from '../../../shared/data/labelMap';

export interface OverlayStyle {
  visible: boolean;
  /** Fill opacity 0..1; the outline stays opaque so small lesions remain visible. */
  opacity: number;
}

const FILL = [255, 59, 48];
const EDGE = [255, 214, 10];

let scratch: HTMLCanvasElement | undefined;

/** The scratch canvas at width x height, each pixel i painted `rgba(i, x, y)` (undefined: left clear). */
function paint(width: number, height: number, rgba: (i: number, x: number, y: number) => readonly number[] | undefined): HTMLCanvasElement {
  scratch ??= document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  const ctx = scratch.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const c = rgba(i, x, y);
      if (c) img.data.set(c, i * 4);
    }
  }
  ctx.putImageData(img, 0, 0);
  return scratch;
}

const fillAlpha = (opacity: number) => Math.round(Math.max(0, Math.min(1, opacity)) * 255);
const onBorder = (x: number, y: number, width: number, height: number) => x === 0 || y === 0 || x === width - 1 || y === height - 1;

export function maskToCanvas(mask: Uint8Array, width: number, height: number, opacity: number): HTMLCanvasElement {
  const fill = [...FILL, fillAlpha(opacity)];
  const edge = [...EDGE, 230];
  return paint(width, height, (i, x, y) => {
    if (!mask[i]) return undefined;
    return onBorder(x, y, width, height) || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width] ? edge : fill;
  });
}

/**
 * A label map in the colour table (src/shared/data/labelMap.ts): every label filled in its own
 * colour; labels that count as lesion (`mask` = 1) also get an opaque outline in that colour,
 * so the legend's "lesion" column can be read off the picture.
 */
export function labelsToCanvas(
  labels: Uint16Array,
  mask: Uint8Array | undefined,
  width: number,
  height: number,
  opacity: number,
): HTMLCanvasElement {
  const a = fillAlpha(opacity);
  return paint(width, height, (i, x, y) => {
    const v = labels[i];
    if (!v) return undefined;
    const edge =
      !!mask?.[i] &&
      (onBorder(x, y, width, height) || labels[i - 1] !== v || labels[i + 1] !== v || labels[i - width] !== v || labels[i + width] !== v);
    return [...labelColour(v), edge ? 255 : a];
  });
}

export function drawMaskOverlay(
  detail: cornerstone.ImageRenderedDetail,
  mask: Uint8Array | undefined,
  style: OverlayStyle,
  labels?: Uint16Array,
): void {
  if (!style.visible || (!mask && !labels)) return;
  const { image, enabledElement, canvasContext: ctx } = detail;
  const layer = labels
    ? labelsToCanvas(labels, mask, image.width, image.height, style.opacity)
    : maskToCanvas(mask!, image.width, image.height, style.opacity);
  ctx.save();
  cornerstone.setToPixelCoordinateSystem(enabledElement, ctx);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(layer, 0, 0);
  ctx.restore();
}
