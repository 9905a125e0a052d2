import { z } from 'zod';
import { StudioError } from '../errors';
import { parseWith } from '../validate';

/**
 * Serialisable description of a segmentation network. Everything needed to rebuild the
 * same architecture with the same initial weights lives here, so a run record or a
 * checkpoint can store it as JSON and any process can call `buildModel` on it.
 */
export const presetNames = ['reference', 'resnet18-unet', 'resnet34-unet', 'resnet50-unet'] as const;
export type PresetName = (typeof presetNames)[number];

export const encoderNames = ['basic1', 'resnet18', 'resnet34', 'resnet50'] as const;
export type EncoderName = (typeof encoderNames)[number];

export const ModelConfigSchema = z
  .object({
    preset: z.enum(presetNames).optional(),
    /**
     * basic1: one basic block per stage, full-resolution 3x3 stem, no max-pool (the compute
     * benchmark model). resnetNN: torchvision layout (7x7/2 stem + 3x3/2 max-pool).
     */
    encoder: z.enum(encoderNames),
    /** Scales every encoder and decoder width; widths are rounded, at least 1. */
    widthMultiplier: z.number().positive().max(16),
    /** Base stage widths before the multiplier; default 16/32/64/128 (basic1) or 64/128/256/512. */
    stageWidths: z.array(z.number().int().positive()).min(1).max(6).optional(),
    /** Height = width of the square input; must be divisible by the total downsampling. */
    inputSize: z.number().int().positive().max(4096),
    inChannels: z.number().int().positive().max(64),
    /** Base decoder widths (deepest first) before the multiplier; one entry per decoder stage. */
    decoderWidths: z.array(z.number().int().positive()).min(1).max(6).optional(),
    /** 3x3 conv-BN-ReLU units per decoder stage. Default 1 (basic1) or 2 (resnet encoders, as in common UNets). */
    decoderConvs: z.number().int().min(1).max(3).optional(),
    /** Seed of every initializer; layer i uses seed + i, so the same config gives the same weights. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
  })
  .strict();

export type ModelConfig = z.infer<typeof ModelConfigSchema>;

const presetDefaults: Record<PresetName, ModelConfig> = {
  reference: { preset: 'reference', encoder: 'basic1', widthMultiplier: 1, inputSize: 128, inChannels: 3, seed: 1 },
  'resnet18-unet': { preset: 'resnet18-unet', encoder: 'resnet18', widthMultiplier: 1, inputSize: 128, inChannels: 3, seed: 1 },
  'resnet34-unet': { preset: 'resnet34-unet', encoder: 'resnet34', widthMultiplier: 1, inputSize: 128, inChannels: 3, seed: 1 },
  'resnet50-unet': { preset: 'resnet50-unet', encoder: 'resnet50', widthMultiplier: 1, inputSize: 128, inChannels: 3, seed: 1 },
};

/** A named preset with some fields overridden; the result is validated. */
export function modelPreset(name: PresetName, overrides: Partial<Omit<ModelConfig, 'preset'>> = {}): ModelConfig {
  const base = presetDefaults[name];
  if (!base) {
    throw new StudioError({
      code: 'bad-input',
      what: `Unknown model preset "${String(name)}"`,
      hint: `Use one of ${presetNames.join(', ')}`,
    });
  }
  return parseModelConfig({ ...base, ...overrides, preset: name });
}

/** Validates untrusted JSON (run records, checkpoints, API calls) into a ModelConfig. */
export function parseModelConfig(raw: unknown): ModelConfig {
  return parseWith(ModelConfigSchema, raw, {
    subject: 'model config',
    hint: 'Start from a preset (modelPreset) and override only the fields you need',
  });
}
