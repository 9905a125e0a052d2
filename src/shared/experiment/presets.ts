import { StudioError } from '../errors';
import { modelPreset } from '../model/config';
import { DEFAULT_LEVELS } from '../sweep/config';
import { parseExperimentConfig, type ExperimentConfig, type ExperimentConfigInput } from './config';

export const experimentPresetNames = ['demo', 'tiny', 'science'] as const;
export type ExperimentPresetName = (typeof experimentPresetNames)[number];

/**
 * demo: the main job. SGD and SGD+VAR on the embedded phantoms, same seed, data and schedule,
 * sized to finish within 10 minutes on 2 shared CPU cores (wasm backend). Settings were chosen
 * on the validation split only; the sweep scores the test split, which no choice looked at.
 * Why these settings (measured during development, validation split): see DEMO_NOTES.
 */
const demo: ExperimentConfigInput = {
  name: 'demo',
  description:
    'SGD versus SGD+VAR on the built-in FLAIR-like phantoms: the same seed, data and schedule, then one-shot global magnitude pruning at every level, without fine-tuning.',
  // DESIGN.md's CPU-scale setting (ResNet-18-UNet, 64 px, 512 slices, 8 epochs, lambda 1e-4) at
  // half width, so that both runs and the sweep fit in 10 minutes on 2 cores.
  model: modelPreset('resnet18-unet', { widthMultiplier: 0.5, inputSize: 64 }),
  data: { kind: 'phantoms', count: 32, slicesPerCase: 16, size: 128, seed: 1 },
  epochs: 8,
  batchSize: 8,
  schedule: { kind: 'cosine', warmupFraction: 0.05 },
  optimizer: { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 },
  methods: ['sgd'],
  varLambdas: [0, 1e-4],
  seeds: [1],
  sweep: {
    levels: [...DEFAULT_LEVELS],
    // The method as DESIGN.md states it: one threshold over every rank>1 kernel, stem and head
    // included, BatchNorm statistics as trained (re-estimation is optional; see DEMO_NOTES).
    scope: 'global',
    keepFirstLast: false,
    bnReestimate: null,
    scorer: 'onnx',
    split: 'test',
  },
  report: { headlineLevels: [0.9, 0.95, 0.98] },
};

/** What the development runs showed (validation split), printed in the demo's report. */
export const DEMO_NOTES: readonly string[] = [
  "How the settings were found (validation split, seed 1, one run per setting; the test split scored here was not looked at). Model: DESIGN.md's CPU-scale ResNet-18-UNet at 64 px, 512 phantom slices, 8 epochs, lambda 1e-4, at half width (width 1 takes about 4x longer per step and would not fit the 10-minute budget with two runs). It learns the lesions since its head starts at a 1 % foreground prior instead of p = 0.5: before that fix it predicted no lesion anywhere (val Dice 0.625 = only the empty slices right) at every width, lr and epoch count tried.",
  "Validation Dice at 90 / 95 / 98 % global sparsity, pruning exactly as DESIGN.md states the method (one threshold over every rank>1 kernel, stem and head included, BatchNorm statistics as trained): SGD 0.87 / 0.88 / 0.69, SGD+VAR (lambda 1e-4) 0.91 / 0.90 / 0.81 (dense: 0.92 and 0.93). lambda 1e-3 gave 0.85 / 0.80 / 0.75. VAR leaves 18 % of the weights below 1e-3 in magnitude against 2.4 % under SGD.",
  "The optional repairs (sweep settings bnReestimate and keepFirstLast, off here because the method does not include them) remove most of the gap: re-estimating BatchNorm on 64 training slices and keeping the stem and the head dense gave SGD 0.91 / 0.91 / 0.89 and SGD+VAR 0.92 / 0.92 / 0.90; keeping stem and head dense alone gave 0.89 / 0.89 / 0.86 against 0.90 / 0.90 / 0.90. Much of what plain SGD loses at 98 % comes from pruning the 7x7 stem and the 1x1 head, and from BatchNorm statistics that no longer match the pruned weights.",
  "The effect is smaller and less regular than DESIGN.md's (SGD 0.88 / 0.54 at 90 / 95 %, SGD+VAR 0.95 / 0.89), and it depends on the width: at width 0.25 SGD fell to 0.88 / 0.54 / 0.02 (close to DESIGN.md's SGD figures), but SGD+VAR with lambda 1e-4 fell earlier (0.76 / 0.67 / 0.63) and lambda 1e-5 was ahead only from 95 % on (0.87 / 0.76 / 0.63). These are single-seed numbers on a validation split of about 75 slices; read differences of 0.02 as noise.",
];

/** For tests: seconds. A 16 px model, two runs, three levels. */
const tiny: ExperimentConfigInput = {
  name: 'tiny',
  description: 'Smoke test of the experiment pipeline; the numbers mean nothing.',
  model: modelPreset('reference', { widthMultiplier: 0.25, inputSize: 16 }),
  data: { kind: 'phantoms', count: 4, slicesPerCase: 4, size: 32, seed: 3 },
  split: { train: 0.5, val: 0.25, test: 0.25 },
  epochs: 4,
  batchSize: 2,
  optimizer: { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 },
  methods: ['sgd'],
  varLambdas: [0, 1e-4],
  seeds: [7],
  backend: 'cpu',
  sweep: { levels: [0, 0.5, 0.9], scorer: 'tfjs', split: 'test' },
  report: { gridSlices: 2, headlineLevels: [0.9] },
};

/** Every method with and without VAR on the demo setup: the figures for the method comparison (SAM and CrAM cost two gradients per step). */
const science: ExperimentConfigInput = {
  ...demo,
  name: 'science',
  description: 'SGD, SAM and CrAM, each with and without VAR, on the demo setup: one-shot global pruning without fine-tuning.',
  methods: ['sgd', 'sam', 'cram'],
};

const PRESETS: Record<ExperimentPresetName, ExperimentConfigInput> = { demo, tiny, science };

export function experimentPreset(name: string): ExperimentConfig {
  const raw = PRESETS[name as ExperimentPresetName];
  if (!raw) {
    throw new StudioError({ code: 'bad-input', what: `Unknown experiment preset "${name}"`, hint: `Use one of ${experimentPresetNames.join(', ')}, or --config FILE` });
  }
  return parseExperimentConfig(raw, `preset ${name}`);
}

/** Interpretation paragraphs a preset's report carries (empty for configs and the tiny preset). */
export function experimentPresetNotes(name: string): readonly string[] {
  return name === 'demo' || name === 'science' ? DEMO_NOTES : [];
}
