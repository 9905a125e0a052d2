/**
 * Prediction grids as PNG data URIs (fast-png): rows = slices, columns = the input with its
 * true outline, then one tile per sparsity level with the confusion overlay on the image.
 */
import { encode } from 'fast-png';
import { confusionOverlay, OVERLAY, OVERLAY_COLOURS } from '../../shared/metrics/overlay';
import { decodeMask } from '../../shared/metrics/encode';
import { base64ToBytes } from '../../shared/base64';
import type { SweepImages, SweepRecord } from '../../shared/sweep/result';

/** The studio's TP/FP/FN palette, so the report reads like the Sweep view. */
export const GRID_COLOURS = OVERLAY_COLOURS;

export interface GridSpec {
  record: SweepRecord;
  images: SweepImages;
  /** Indices into record.slices. */
  slices: number[];
  /** Sparsities to show (must be levels of the record). */
  levels: number[];
  /** Upscale factor of each tile (nearest neighbour). */
  scale: number;
}

/** Slices whose true masks are largest: the ones where a collapse is visible. Same choice for every run. */
export function pickSlices(record: SweepRecord, count: number): number[] {
  const px = record.inputShape[0] * record.inputShape[1];
  const areas = record.slices.map((s, i) => ({ i, a: decodeMask(s.truth, px).reduce((n, v) => n + (v ? 1 : 0), 0) }));
  // Spread over cases: the largest lesion of each case first, then the next ones.
  const byCase = new Map<string, { i: number; a: number }[]>();
  for (const x of areas) {
    const id = record.slices[x.i].caseId;
    byCase.set(id, [...(byCase.get(id) ?? []), x]);
  }
  const ranked = [...byCase.values()].map((l) => l.filter((x) => x.a > 0).sort((p, q) => q.a - p.a));
  const out: number[] = [];
  for (let round = 0; out.length < count && ranked.some((l) => l.length > round); round++) {
    const row = ranked.flatMap((l) => (l[round] ? [l[round]] : [])).sort((p, q) => q.a - p.a);
    for (const x of row) if (out.length < count) out.push(x.i);
  }
  return out.sort((a, b) => a - b);
}

export function renderGrid(spec: GridSpec): { dataUri: string; width: number; height: number } {
  const { record, images, slices, levels, scale } = spec;
  const size = images.size;
  const tile = size * scale;
  const gap = 2;
  const cols = 1 + levels.length;
  const width = cols * tile + (cols - 1) * gap;
  const height = slices.length * tile + Math.max(0, slices.length - 1) * gap;
  const rgb = new Uint8Array(width * height * 3).fill(255);
  const px = size * size;
  const levelRows = levels.map((lv) => record.levels.find((l) => l.sparsity === lv));

  const put = (ox: number, oy: number, pixel: (i: number) => [number, number, number]) => {
    for (let y = 0; y < tile; y++) {
      for (let x = 0; x < tile; x++) {
        const c = pixel(Math.floor(y / scale) * size + Math.floor(x / scale));
        const o = ((oy + y) * width + ox + x) * 3;
        rgb[o] = c[0];
        rgb[o + 1] = c[1];
        rgb[o + 2] = c[2];
      }
    }
  };

  slices.forEach((si, row) => {
    const oy = row * (tile + gap);
    // A missing or unreadable image draws black; the masks are still shown.
    const grey = base64ToBytes(images.slices[si]?.image ?? '') ?? new Uint8Array(0);
    const g = (i: number) => grey[i] ?? 0;
    const truth = decodeMask(record.slices[si].truth, px);
    const edge = outline(truth, size);
    put(0, oy, (i) => (edge[i] ? GRID_COLOURS.FN : [g(i), g(i), g(i)]));
    levelRows.forEach((lv, col) => {
      const ox = (col + 1) * (tile + gap);
      if (!lv) return put(ox, oy, () => [200, 200, 200]);
      const pred = decodeMask(lv.perSlice[si].pred, px);
      const ov = confusionOverlay(pred, truth);
      put(ox, oy, (i) => {
        const v = g(i) * 0.55;
        if (ov[i] === OVERLAY.TP) return GRID_COLOURS.TP;
        if (ov[i] === OVERLAY.FP) return GRID_COLOURS.FP;
        if (ov[i] === OVERLAY.FN) return GRID_COLOURS.FN;
        return [v, v, v];
      });
    });
  });
  const png = encode({ width, height, data: rgb, channels: 3, depth: 8 });
  return { dataUri: `data:image/png;base64,${Buffer.from(png).toString('base64')}`, width, height };
}

/** Boundary pixels of a mask (foreground with a background 4-neighbour). */
function outline(mask: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      if (!mask[i]) continue;
      if (x === 0 || y === 0 || x === size - 1 || y === size - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - size] || !mask[i + size])
        out[i] = 1;
    }
  }
  return out;
}
