import type { Dataset, PreprocessOptions, Sample, Slice } from './types.js';
import { fail } from './fail.js';
import { approxPercentiles } from './window.js';
import { resizeBilinear, resizeNearest } from './resize.js';
import { FLAIR_CHANNEL } from './channels';

function pickChannels(s: Slice, want: number): Float32Array {
  if (s.channels === want) return s.image;
  const n = s.width * s.height;
  const out = new Float32Array(n * want);
  if (s.channels === 3 && want === 1) {
    for (let p = 0; p < n; p++) out[p] = s.image[p * 3 + FLAIR_CHANNEL];
    return out;
  }
  if (s.channels === 1) {
    for (let p = 0; p < n; p++) for (let c = 0; c < want; c++) out[p * want + c] = s.image[p];
    return out;
  }
  return fail(
    'mismatch',
    s.source,
    `slice has ${s.channels} channels, the model expects ${want}`,
    'Choose a model with matching input channels',
  );
}

/**
 * Slices -> model samples. Normalisation is per case and per channel: clip to the case's
 * 1st..99th percentile (configurable), then z-score with the case's mean/std after clipping.
 * Per case rather than per slice so that lesion-free and lesion slices of one scan keep their
 * relative brightness. Images are resized bilinearly, masks by nearest neighbour.
 */
export function preprocess(slices: Slice[], opts: PreprocessOptions): Sample[] {
  const { size, channels } = opts;
  if (!Number.isInteger(size) || size < 1 || size > 8192)
    fail('bad-input', undefined, `invalid sample size ${size}`, 'Use a model input size such as 64, 128 or 256');
  const [pLo, pHi] = opts.clip ?? [1, 99];
  const requireMasks = opts.requireMasks ?? true;
  const byCase = new Map<string, Slice[]>();
  for (const s of slices) {
    const l = byCase.get(s.caseId) ?? [];
    l.push(s);
    byCase.set(s.caseId, l);
  }
  const out: Sample[] = [];
  for (const group of byCase.values()) {
    const imgs = group.map((s) => pickChannels(s, channels));
    const stats: Array<{ lo: number; hi: number; mean: number; std: number }> = [];
    for (let c = 0; c < channels; c++) {
      const vals: number[] = [];
      for (const im of imgs) {
        const step = Math.max(1, Math.floor(im.length / channels / 20000));
        for (let i = c; i < im.length; i += channels * step) vals.push(im[i]);
      }
      const [lo, hi] = approxPercentiles(vals, [pLo, pHi]);
      let sum = 0,
        sq = 0;
      for (const v of vals) {
        const x = Math.min(hi, Math.max(lo, v));
        sum += x;
        sq += x * x;
      }
      const mean = vals.length ? sum / vals.length : 0;
      const std = Math.sqrt(Math.max(0, vals.length ? sq / vals.length - mean * mean : 0));
      stats.push({ lo, hi, mean, std: std > 1e-6 ? std : 1 });
    }
    group.forEach((s, gi) => {
      if (!s.mask && requireMasks)
        fail(
          'mismatch',
          s.source,
          `slice ${s.index} of case ${s.caseId} has no mask`,
          'Training needs a mask for every slice; add the mask file or use the data for inference only',
        );
      const im = imgs[gi];
      const norm = new Float32Array(im.length);
      for (let i = 0; i < im.length; i++) {
        const st = stats[i % channels];
        norm[i] = (Math.min(st.hi, Math.max(st.lo, im[i])) - st.mean) / st.std;
      }
      const image = s.width === size && s.height === size ? norm : resizeBilinear(norm, s.width, s.height, channels, size, size);
      const mask = s.mask
        ? s.width === size && s.height === size
          ? s.mask
          : resizeNearest(s.mask, s.width, s.height, size, size)
        : new Uint8Array(size * size);
      out.push({
        caseId: s.caseId,
        index: s.index,
        image,
        mask,
        hasMask: s.mask !== undefined,
        ...(s.spacing ? { spacing: [s.spacing[0] * (s.height / size), s.spacing[1] * (s.width / size)] as [number, number] } : {}),
      });
    });
  }
  return out;
}

const cache = new Map<string, Map<string, Sample[]>>();

/**
 * Samples of the given cases, decoded and preprocessed once per (dataset, size, channels) and kept
 * in memory, so every epoch after the first reuses them without touching files.
 */
export async function loadSamples(ds: Dataset, caseIds: string[], opts: PreprocessOptions): Promise<Sample[]> {
  const key = `${ds.id}|${opts.size}|${opts.channels}|${(opts.clip ?? [1, 99]).join(',')}|${opts.requireMasks ?? true}`;
  let m = cache.get(key);
  if (!m) {
    m = new Map();
    cache.set(key, m);
  }
  const out: Sample[] = [];
  for (const id of caseIds) {
    let s = m.get(id);
    if (!s) {
      s = preprocess(await ds.slices(id), opts);
      m.set(id, s);
    }
    out.push(...s);
  }
  return out;
}

export function clearSampleCache(datasetId?: string): void {
  if (datasetId === undefined) cache.clear();
  else for (const k of [...cache.keys()]) if (k.startsWith(`${datasetId}|`)) cache.delete(k);
}
