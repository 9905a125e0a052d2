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

export function maskToCanvas(mask: Uint8Array, width: number, height: number, opacity: number): HTMLCanvasElement {
  scratch ??= document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  const ctx = scratch.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  const a = Math.round(Math.max(0, Math.min(1, opacity)) * 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width];
      const c = edge ? EDGE : FILL;
      const o = i * 4;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = edge ? 230 : a;
    }
  }
  ctx.putImageData(img, 0, 0);
  return scratch;
}

/**
 * A label map in the colour table (src/shared/data/labelMap.ts): every label filled in its own
 * colour; labels that count as lesion (`mask` = 1) also get an opaque outline in that colour,
 * so the legend's "lesion" column can be read off the picture.
 */
export function labelsToCanvas(labels: Uint16Array, mask: Uint8Array | undefined, width: number, height: number, opacity: number): HTMLCanvasElement {
  scratch ??= document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  const ctx = scratch.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  const a = Math.round(Math.max(0, Math.min(1, opacity)) * 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = labels[i];
      if (!v) continue;
      const edge = !!mask?.[i] && (x === 0 || y === 0 || x === width - 1 || y === height - 1 || labels[i - 1] !== v || labels[i + 1] !== v || labels[i - width] !== v || labels[i + width] !== v);
      const c = labelColour(v);
      const o = i * 4;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = edge ? 255 : a;
    }
  }
  ctx.putImageData(img, 0, 0);
  return scratch;
}

export function drawMaskOverlay(detail: cornerstone.ImageRenderedDetail, mask: Uint8Array | undefined, style: OverlayStyle, labels?: Uint16Array): void {
  if (!style.visible || (!mask && !labels)) return;
  const { image, enabledElement, canvasContext: ctx } = detail;
  const layer = labels ? labelsToCanvas(labels, mask, image.width, image.height, style.opacity) : maskToCanvas(mask!, image.width, image.height, style.opacity);
  ctx.save();
  cornerstone.setToPixelCoordinateSystem(enabledElement, ctx);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(layer, 0, 0);
  ctx.restore();
}
