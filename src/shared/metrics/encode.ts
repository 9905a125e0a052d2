import { packVarints, unpackVarints } from '../varint';
import { StudioError } from '../errors';

/**
 * Compact storage of a binary mask: run-length encoding, runs as LEB128 varints, base64 text.
 * Layout: "r1:" + base64(varint(length), run0, run1, ...) where runs alternate background /
 * foreground and start with background (run0 may be 0). A typical 128x128 lesion mask takes
 * a few dozen bytes; a dense random mask degrades to about 1-2 bytes per run.
 */
const PREFIX = 'r1:';

export function encodeMask(mask: Uint8Array): string {
  const values = [mask.length];
  let cur = false;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const on = mask[i] !== 0;
    if (on === cur) run++;
    else {
      values.push(run);
      cur = on;
      run = 1;
    }
  }
  values.push(run);
  return packVarints(PREFIX, values);
}

export function decodeMask(encoded: string, expectedLength?: number): Uint8Array {
  const bad = (what: string) =>
    new StudioError({
      code: 'bad-file',
      what: `Stored mask is corrupt: ${what}`,
      hint: 'Re-run the sweep to recompute the predicted masks',
    });
  const runs = unpackVarints(encoded, PREFIX, bad);
  const length = runs.next();
  if (expectedLength !== undefined && length !== expectedLength) throw bad(`${length} pixels where ${expectedLength} were expected`);
  if (length > 2 ** 28) throw bad('mask too large');
  const out = new Uint8Array(length);
  let i = 0;
  let on = false;
  while (!runs.done()) {
    const run = runs.next();
    if (i + run > length) throw bad('runs exceed the mask size');
    if (on) out.fill(1, i, i + run);
    i += run;
    on = !on;
  }
  if (i !== length) throw bad('runs do not cover the mask');
  return out;
}
