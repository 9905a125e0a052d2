import { z } from 'zod';
import { StudioError } from '../errors';

/**
 * Learning-rate schedules as pure functions of (step, totalSteps, config): a resumed run
 * gets exactly the LR the uninterrupted run had, without stored scheduler state.
 * `step` is 0-based: the LR used for the (step+1)-th optimizer update.
 */
export const ScheduleConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z
    .object({
      /** Linear warm-up to the base LR, then cosine decay to minFactor * base LR. */
      kind: z.literal('cosine'),
      /** Warm-up length in steps; if absent, warmupFraction * totalSteps. */
      warmupSteps: z.number().int().min(0).optional(),
      warmupFraction: z.number().min(0).max(0.9).default(0),
      minFactor: z.number().min(0).max(1).default(0),
    })
    .strict(),
  z
    .object({
      /** PyTorch OneCycleLR (cosine annealing, no momentum cycling); the base LR is max_lr. */
      kind: z.literal('onecycle'),
      pctStart: z.number().gt(0).lt(1).default(0.3),
      divFactor: z.number().min(1).default(25),
      finalDivFactor: z.number().min(1).default(1e4),
    })
    .strict(),
]);

export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;
export type ScheduleConfigInput = z.input<typeof ScheduleConfigSchema>;

const cosineInterp = (from: number, to: number, t: number) => to + ((from - to) / 2) * (1 + Math.cos(Math.PI * t));

/** Multiplier of the base LR at `step` (0-based) of `totalSteps`. Steps past the end keep the final value. */
export function scheduleFactor(step: number, totalSteps: number, raw: ScheduleConfigInput): number {
  const config = ScheduleConfigSchema.parse(raw);
  if (!(Number.isInteger(step) && step >= 0 && Number.isInteger(totalSteps) && totalSteps >= 1)) {
    throw new StudioError({
      code: 'bad-input',
      what: `Schedule asked for step ${step} of ${totalSteps}`,
      hint: 'step must be a non-negative integer and totalSteps a positive integer',
    });
  }
  const s = Math.min(step, totalSteps - 1);
  switch (config.kind) {
    case 'constant':
      return 1;
    case 'cosine': {
      const warm = Math.min(totalSteps, config.warmupSteps ?? Math.round(config.warmupFraction * totalSteps));
      // (s+1)/warm: the first update already moves; the last warm-up step reaches the base LR.
      if (s < warm) return (s + 1) / warm;
      // t < 1 on every step, so the last update still moves (as PyTorch's CosineAnnealingLR with T_max = decay steps).
      const t = (s - warm) / (totalSteps - warm);
      return cosineInterp(1, config.minFactor, t);
    }
    case 'onecycle': {
      const initial = 1 / config.divFactor;
      const final = initial / config.finalDivFactor;
      const peakStep = config.pctStart * totalSteps - 1;
      if (s <= peakStep) return cosineInterp(initial, 1, peakStep <= 0 ? 1 : s / peakStep);
      const end = totalSteps - 1;
      return cosineInterp(1, final, end <= peakStep ? 1 : (s - peakStep) / (end - peakStep));
    }
  }
}

export function learningRate(step: number, totalSteps: number, baseLr: number, config: ScheduleConfigInput): number {
  return baseLr * scheduleFactor(step, totalSteps, config);
}
