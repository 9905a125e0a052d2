import type { Dataset, Slice } from './types.js';
import { mulberry32, hashSeed } from '../rng.js';
import { caseInfoFromSlices, datasetFromSlices } from './memory.js';
import { fail } from './fail.js';

/**
 * Seeded FLAIR-like brain phantoms with lesion masks (the studio's built-in data set).
 * Pixel values are integers in 0..255 stored as floats, i.e. the phantom is defined 8-bit
 * exact, so writing it as LGG TIFFs and reading it back gives identical pixels.
 * Channels follow the LGG set: 0 pre-contrast, 1 FLAIR, 2 post-contrast. Lesions are bright in
 * FLAIR and faint in the other two. Each lesion is a 3-D blob (radial harmonics whose radius
 * shrinks towards its top and bottom), so lesions grow and vanish across a case's slices.
 */
export interface PhantomOptions {
  /** Number of cases (= patients). */
  count: number;
  slicesPerCase: number;
  /** Side of each square slice in pixels. */
  size: number;
  seed: number;
}

/** The default phantom set (`var-studio phantoms` and the app's built-in data). */
export const DEFAULT_PHANTOMS: PhantomOptions = { count: 32, slicesPerCase: 16, size: 128, seed: 1 };

interface Lesion {
  cx: number;
  cy: number;
  cz: number;
  r: number;
  rz: number;
  amp: number[];
  phase: number[];
  twist: number;
  flair: number;
}
interface Wave {
  kx: number;
  ky: number;
  kz: number;
  ph: number;
  a: number;
}

export function phantomCaseId(caseIndex: number): string {
  return `TCGA_PH_${String(caseIndex + 1).padStart(4, '0')}_20000101`;
}

export function phantomDatasetId(o: PhantomOptions): string {
  return `phantom:count=${o.count}:slices=${o.slicesPerCase}:size=${o.size}:seed=${o.seed}`;
}

/**
 * Largest phantom set, in image values (cases x slices x size^2 x 3 channels): 2^27 values are
 * 512 MiB of Float32, held in memory. The default set is 25M values.
 */
export const MAX_PHANTOM_VALUES = 2 ** 27;

export function phantomValues(o: Pick<PhantomOptions, 'count' | 'slicesPerCase' | 'size'>): number {
  return o.count * o.slicesPerCase * o.size * o.size * 3;
}

export const PHANTOM_SIZE_HINT = `Ask for fewer cases, slices or a smaller size: cases x slices x size^2 x 3 must stay under ${MAX_PHANTOM_VALUES} (e.g. 64 cases x 32 slices x 128 px)`;

export function generatePhantoms(opts: PhantomOptions): Dataset {
  const { count, slicesPerCase, size, seed } = opts;
  if (phantomValues(opts) > MAX_PHANTOM_VALUES)
    fail(
      'too-large',
      undefined,
      `${count} phantom cases x ${slicesPerCase} slices x ${size}x${size} px is ${phantomValues(opts)} values`,
      PHANTOM_SIZE_HINT,
    );
  for (const [k, v, max] of [
    ['count', count, 100000],
    ['slicesPerCase', slicesPerCase, 4096],
    ['size', size, 2048],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > max)
      fail('bad-input', undefined, `phantom ${k} must be an integer in 1..${max}, got ${v}`, 'Change the phantom settings');
  }
  if (size < 8) fail('bad-input', undefined, `phantom size must be at least 8, got ${size}`, 'Use a size of 32 or more');
  if (!Number.isFinite(seed)) fail('bad-input', undefined, `phantom seed must be a number`, 'Use an integer seed');
  const root = phantomDatasetId(opts);
  const cases = [];
  for (let c = 0; c < count; c++) {
    const id = phantomCaseId(c);
    const slices = generateCase(id, c, opts);
    cases.push({ info: caseInfoFromSlices(id, id.slice(0, 12), slices), slices });
  }
  return datasetFromSlices('phantom', root, root, cases);
}

function generateCase(caseId: string, caseIndex: number, o: PhantomOptions): Slice[] {
  const rnd = mulberry32(hashSeed(o.seed, caseIndex, 0x9e37));
  const u = (a: number, b: number): number => a + (b - a) * rnd();
  const head = { cx: u(0.47, 0.53), cy: u(0.47, 0.53), ax: u(0.36, 0.42), ay: u(0.42, 0.47), tilt: u(-0.15, 0.15) };
  const waves: Wave[] = [];
  for (let i = 0; i < 6; i++) waves.push({ kx: u(-14, 14), ky: u(-14, 14), kz: u(-4, 4), ph: u(0, 6.283), a: u(0.3, 1) });
  const waveNorm = waves.reduce((s, w) => s + w.a, 0);
  const lesions: Lesion[] = [];
  // About one case in eight has no lesion at all, as in real cohorts.
  const nLesions = rnd() < 0.125 ? 0 : 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < nLesions; i++) {
    const ang = u(0, 6.283),
      rad = u(0, 0.55);
    lesions.push({
      cx: Math.cos(ang) * rad,
      cy: Math.sin(ang) * rad,
      cz: u(-0.5, 0.5),
      r: u(0.12, 0.3),
      rz: u(0.15, 0.45),
      amp: [0, 0, u(0, 0.25), u(0, 0.15), u(0, 0.1), u(0, 0.08)],
      phase: [0, 0, u(0, 6.283), u(0, 6.283), u(0, 6.283), u(0, 6.283)],
      twist: u(-2, 2),
      flair: u(150, 200),
    });
  }
  const ventricles = { dx: u(0.1, 0.16), ry: u(0.18, 0.26), rx: u(0.05, 0.08) };
  const out: Slice[] = [];
  const S = o.size;
  const ct = Math.cos(head.tilt),
    st = Math.sin(head.tilt);
  for (let k = 0; k < o.slicesPerCase; k++) {
    // z in [-0.8, 0.8]: the head is a squashed sphere, smaller towards the top and bottom.
    const z = o.slicesPerCase === 1 ? 0 : -0.8 + (1.6 * k) / (o.slicesPerCase - 1);
    const zScale = Math.sqrt(Math.max(0.2, 1 - 0.6 * z * z));
    const nrnd = mulberry32(hashSeed(o.seed, caseIndex, k, 0x51));
    const image = new Float32Array(S * S * 3);
    const mask = new Uint8Array(S * S);
    const ventScale = Math.max(0, 1 - (z / 0.45) ** 2);
    const active = lesions.map((l) => ({ l, dz: (z - l.cz) / l.rz })).filter((a) => Math.abs(a.dz) < 1);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const px = (x + 0.5) / S - head.cx,
          py = (y + 0.5) / S - head.cy;
        const hx = (px * ct + py * st) / (head.ax * zScale),
          hy = (-px * st + py * ct) / (head.ay * zScale);
        const rho = Math.sqrt(hx * hx + hy * hy);
        let v0 = 0,
          v1 = 0,
          v2 = 0;
        const i = y * S + x;
        if (rho < 1.14) {
          if (rho >= 1.06) {
            v0 = 115;
            v1 = 75;
            v2 = 105;
          } // scalp
          else if (rho >= 0.96) {
            v0 = 25;
            v1 = 15;
            v2 = 25;
          } // skull
          else {
            let t = 0;
            for (const w of waves) t += w.a * Math.sin(w.kx * hx + w.ky * hy + w.kz * z + w.ph);
            t /= waveNorm; // in [-1, 1], smooth tissue texture
            v0 = 88 + 14 * t;
            v1 = 82 + 16 * t;
            v2 = 96 + 14 * t;
            // Edge darkening towards the cortex boundary looks more like CSF at the rim.
            if (rho > 0.9) {
              const f = (rho - 0.9) / 0.06;
              v0 -= 30 * f;
              v1 -= 35 * f;
              v2 -= 30 * f;
            }
            if (ventScale > 0) {
              const vx = Math.abs(hx) - ventricles.dx,
                vy = hy + 0.05;
              const q = (vx / ventricles.rx) ** 2 + (vy / (ventricles.ry * ventScale)) ** 2;
              if (q < 1) {
                v0 = 40;
                v1 = 22;
                v2 = 45;
              }
            }
            for (const { l, dz } of active) {
              const ex = hx - l.cx,
                ey = hy - l.cy;
              const d = Math.sqrt(ex * ex + ey * ey);
              const th = Math.atan2(ey, ex) + l.twist * dz;
              let h = 1;
              for (let m = 2; m < l.amp.length; m++) h += l.amp[m] * Math.cos(m * th + l.phase[m]);
              const r = l.r * Math.sqrt(1 - dz * dz) * h;
              if (d < r && rho < 0.94) {
                mask[i] = 1;
                v1 = l.flair + 18 * t;
                v0 -= 8;
                v2 += 10;
              }
            }
          }
        }
        const n = (nrnd() + nrnd() + nrnd() - 1.5) * 4; // ~N(0, 2) scanner noise
        image[i * 3] = q8(v0 + n);
        image[i * 3 + 1] = q8(v1 + n);
        image[i * 3 + 2] = q8(v2 + n);
      }
    }
    out.push({
      caseId,
      index: k,
      width: S,
      height: S,
      channels: 3,
      image,
      mask,
      source: `phantom:seed=${o.seed}:case=${caseIndex}:slice=${k}`,
    });
  }
  return out;
}

function q8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
