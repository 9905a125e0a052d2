import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePhantoms } from '../../../../src/shared/data/phantoms';
import { writePhantomsAsLgg } from '../../../../src/node/data/lgg-writer';
import { openDataset } from '../../../../src/node/data/open';
import { StudioError } from '../../../../src/shared/errors';

const tmp = mkdtempSync(join(tmpdir(), 'data-phantoms-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Byte equality; vitest's deep equal is slow on large typed arrays. */
function same(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (!a || !b) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const opts = { count: 6, slicesPerCase: 10, size: 48, seed: 7 };

describe('phantoms', () => {
  it('is deterministic for a seed and changes with the seed', async () => {
    const a = generatePhantoms(opts),
      b = generatePhantoms(opts),
      c = generatePhantoms({ ...opts, seed: 8 });
    expect(a.cases).toEqual(b.cases);
    for (const ci of a.cases) {
      const sa = await a.slices(ci.id),
        sb = await b.slices(ci.id);
      sa.forEach((s, i) => {
        expect(same(s.image, sb[i].image)).toBe(true);
        expect(same(s.mask, sb[i].mask)).toBe(true);
      });
    }
    const s0 = (await a.slices(a.cases[0].id))[5].image,
      c0 = (await c.slices(c.cases[0].id))[5].image;
    expect(same(s0, c0)).toBe(false);
  });

  it('has 3 channels, 8-bit values, binary masks, slices with and without lesions, FLAIR-bright lesions', async () => {
    const ds = generatePhantoms({ ...opts, count: 12 });
    let withLesion = 0,
      without = 0,
      flairIn = 0,
      flairOut = 0,
      t1In = 0,
      t1Out = 0,
      nIn = 0,
      nOut = 0;
    for (const ci of ds.cases) {
      expect(ci.channels).toBe(3);
      expect(ci.patientId).toMatch(/^TCGA_PH_\d{4}$/);
      for (const s of await ds.slices(ci.id)) {
        expect(s.image.length).toBe(48 * 48 * 3);
        expect(s.image.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
        expect(s.mask!.every((v) => v === 0 || v === 1)).toBe(true);
        if (s.mask!.some((v) => v)) withLesion++;
        else without++;
        s.mask!.forEach((m, p) => {
          // Compare lesion pixels to other brain pixels (FLAIR > 50 excludes background and skull).
          if (m) {
            flairIn += s.image[p * 3 + 1];
            t1In += s.image[p * 3];
            nIn++;
          } else if (s.image[p * 3 + 1] > 50) {
            flairOut += s.image[p * 3 + 1];
            t1Out += s.image[p * 3];
            nOut++;
          }
        });
      }
    }
    expect(withLesion).toBeGreaterThan(10);
    expect(without).toBeGreaterThan(10);
    expect(flairIn / nIn - flairOut / nOut).toBeGreaterThan(50);
    expect(Math.abs(t1In / nIn - t1Out / nOut)).toBeLessThan(20);
  });

  it('lesions vary across slices like a 3-D blob', async () => {
    const ds = generatePhantoms({ ...opts, count: 8, slicesPerCase: 16 });
    let varying = 0;
    for (const ci of ds.cases) {
      const areas = (await ds.slices(ci.id)).map((s) => s.mask!.reduce((a, v) => a + v, 0));
      if (new Set(areas).size > 3) varying++;
    }
    expect(varying).toBeGreaterThan(3);
  });

  it('round-trips through the LGG layout with identical pixels and masks', async () => {
    const ds = generatePhantoms({ count: 3, slicesPerCase: 11, size: 40, seed: 3 });
    const dir = join(tmp, 'lgg');
    const res = await writePhantomsAsLgg(ds, dir);
    expect(res.slices).toBe(33);
    const names = readdirSync(join(dir, ds.cases[0].id));
    expect(names).toContain(`${ds.cases[0].id}_11_mask.tif`);
    expect(names).toContain(`${ds.cases[0].id}_1.tif`);
    const back = await openDataset(dir);
    expect(back.format).toBe('lgg');
    expect(back.cases).toEqual(ds.cases);
    for (const ci of ds.cases) {
      const a = await ds.slices(ci.id),
        b = await back.slices(ci.id);
      expect(b.map((s) => s.index)).toEqual(a.map((s) => s.index)); // 1,2,...,10,11 numerically
      a.forEach((s, i) => {
        expect(same(b[i].image, s.image)).toBe(true);
        expect(same(b[i].mask, s.mask)).toBe(true);
      });
    }
    // Writing again without overwrite is refused, and nothing is changed.
    await expect(writePhantomsAsLgg(ds, dir)).rejects.toBeInstanceOf(StudioError);
  });

  it('refuses absurd settings', () => {
    expect(() => generatePhantoms({ ...opts, size: 0 })).toThrow(StudioError);
    expect(() => generatePhantoms({ ...opts, count: 1.5 })).toThrow(/integer/);
  });
});
