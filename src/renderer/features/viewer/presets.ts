/** Window presets, defined on the shown slice so they work for any modality and scaling. */
import type { StudioImageInfo } from './loader';

export interface WindowLevel {
  center: number;
  width: number;
}

export interface WindowPreset {
  id: string;
  label: string;
  /** Its command in the key-binding table (`hotkeys/bindings.ts`). */
  command: string;
  compute(info: StudioImageInfo): WindowLevel;
}

const range = (lo: number, hi: number): WindowLevel => ({ center: (lo + hi) / 2, width: Math.max(hi - lo, 1e-6) });

export const WINDOW_PRESETS: readonly WindowPreset[] = [
  // The server's window: the file's own (DICOM) or the 1st-99th percentile.
  {
    id: 'auto',
    label: 'Auto',
    command: 'viewer.preset.auto',
    compute: (i) => ({ center: i.slice.window.center, width: i.slice.window.width }),
  },
  { id: 'full', label: 'Full range', command: 'viewer.preset.full', compute: (i) => range(i.slice.min, i.slice.max) },
  // Narrow and high: lifts FLAIR-bright lesions out of the surrounding tissue.
  {
    id: 'bright',
    label: 'Bright lesions',
    command: 'viewer.preset.bright',
    compute: (i) => {
      const w = i.slice.window;
      return range(w.center, w.center + w.width / 2 + (i.slice.max - w.center - w.width / 2) * 0.5);
    },
  },
];
