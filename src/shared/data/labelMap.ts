/**
 * Integer label maps (multi-label masks: BraTS 1/2/4, Decathlon labels, any `_seg` volume):
 * THE colour table every view and document uses, and a compact wire encoding of one slice's map.
 *
 * Colours are ITK-SNAP's default label colours for 1-6 (so a map looks the same here as in the
 * tool most readers check it in), then six more distinct ones; label n > 12 takes the colour of
 * ((n - 1) mod 12) + 1. Label 0 is background and never drawn. docs/label-maps.md lists the table.
 */
import { packVarints, unpackVarints } from '../varint';
import { StudioError } from '../errors';

export type Rgb = readonly [number, number, number];

/** Index = label value; [0] is background (not drawn). */
export const LABEL_COLOURS: readonly Rgb[] = [
  [0, 0, 0],
  [255, 0, 0], // 1 red
  [0, 255, 0], // 2 green
  [0, 0, 255], // 3 blue
  [255, 255, 0], // 4 yellow
  [0, 255, 255], // 5 cyan
  [255, 0, 255], // 6 magenta
  [255, 128, 0], // 7 orange
  [128, 0, 255], // 8 violet
  [0, 128, 128], // 9 teal
  [128, 64, 0], // 10 brown
  [255, 128, 192], // 11 pink
  [128, 128, 255], // 12 lavender
];

export function labelColour(value: number): Rgb {
  if (value <= 0) return LABEL_COLOURS[0];
  return LABEL_COLOURS[((value - 1) % (LABEL_COLOURS.length - 1)) + 1];
}

export function labelCss(value: number): string {
  const [r, g, b] = labelColour(value);
  return `rgb(${r}, ${g}, ${b})`;
}

/** A label value with its name where the layout names it (dataset.json `labels`, BraTS convention). */
export interface LabelInfo {
  value: number;
  name?: string;
}

/** BraTS label convention (2017-2021: 1 necrotic core, 2 oedema, 4 enhancing; 2023: 3 = enhancing). */
export const BRATS_LABEL_NAMES: Record<number, string> = {
  1: 'necrotic tumour core',
  2: 'peritumoral oedema',
  3: 'enhancing tumour (BraTS 2023)',
  4: 'enhancing tumour',
};

/**
 * Wire encoding of one slice's label map: runs of (value, length) as LEB128 varints, base64, with
 * the pixel count first. Label maps are mostly background, so a slice is a few hundred bytes.
 */
const PREFIX = 'l1:';

export function encodeLabelMap(labels: ArrayLike<number>): string {
  const values = [labels.length];
  for (let i = 0; i < labels.length;) {
    const v = labels[i];
    let j = i + 1;
    while (j < labels.length && labels[j] === v) j++;
    values.push(v, j - i);
    i = j;
  }
  return packVarints(PREFIX, values);
}

export function decodeLabelMap(encoded: string, expectedLength?: number): Uint16Array {
  const bad = (what: string) =>
    new StudioError({ code: 'bad-file', what: `Label map is corrupt: ${what}`, hint: 'Reload the data set; report it if it repeats' });
  const runs = unpackVarints(encoded, PREFIX, bad);
  const n = runs.next();
  if (expectedLength !== undefined && n !== expectedLength) throw bad(`${n} pixels, expected ${expectedLength}`);
  if (n > 1 << 28) throw bad('too large');
  const out = new Uint16Array(n);
  let i = 0;
  while (i < n) {
    const v = runs.next(),
      len = runs.next();
    if (v > 65535 || len === 0 || i + len > n) throw bad('run out of range');
    out.fill(v, i, i + len);
    i += len;
  }
  if (!runs.done()) throw bad('trailing bytes');
  return out;
}
