import { z } from 'zod';
import { parseWith } from '../validate';

/**
 * Optimizer settings as plain data. Kept apart from the engine (optimizers.ts) so that the
 * renderer and config files can validate them without loading TensorFlow.js.
 */
export const optimizerMethods = ['sgd', 'sam', 'cram', 'cram+'] as const;
export type OptimizerMethod = (typeof optimizerMethods)[number];

/**
 * Which gradient the SAM / CrAM ascent follows (docs/method.md, "Where VAR enters"):
 *   objective: the gradient of the whole objective L + lambda * psi, at w for the ascent and
 *              at the perturbed weights for the step (the method as defined; default);
 *   data:      the data-loss gradient only; VAR's gradient is added at w to the final step
 *              (the studio's behaviour before the objective ascent; kept to measure the difference).
 * Identical when VAR is off, and unused by SGD.
 */
export const ascentKinds = ['objective', 'data'] as const;
export type AscentKind = (typeof ascentKinds)[number];
export const ASCENT_LABELS: Record<AscentKind, string> = { objective: 'ascent on L + λψ', data: 'ascent on the data loss only' };

/** Whether `ascent` changes anything: only SAM / CrAM with VAR on (the two kinds coincide otherwise). */
export const ascentMatters = (c: { method: OptimizerMethod; varLambda: number }): boolean => c.method !== 'sgd' && c.varLambda > 0;

/** How every view, report and log names a method. */
export const METHOD_LABELS: Record<OptimizerMethod, string> = { sgd: 'SGD', sam: 'SAM', cram: 'CrAM', 'cram+': 'CrAM+' };

/** 1e-4 rather than 0.0001: lambdas are read as orders of magnitude. */
export function formatLambda(x: number): string {
  if (x === 0) return '0';
  const [m, e] = x.toExponential().split('e');
  return `${Number(Number(m).toPrecision(3))}e${Number(e)}`;
}

/** "SGD", "SGD+VAR (λ 1e-4)"; `withLambda: false` gives "SGD+VAR" (one lambda in play). */
export function methodLabel(method: string, varLambda: number, withLambda = true): string {
  const base = METHOD_LABELS[method as OptimizerMethod] ?? method;
  if (!(varLambda > 0)) return base;
  return withLambda ? `${base}+VAR (λ ${formatLambda(varLambda)})` : `${base}+VAR`;
}

export const OptimizerConfigSchema = z
  .object({
    method: z.enum(optimizerMethods),
    /** Base (peak) learning rate; the schedule scales it, `step` receives the actual value. */
    lr: z.number().positive().max(10),
    momentum: z.number().min(0).max(0.9999).default(0.9),
    /** L2 weight decay (PyTorch-style, added to the gradient), rank>1 kernels only. */
    weightDecay: z.number().min(0).max(1).default(0),
    nesterov: z.boolean().default(false),
    /** SAM / CrAM ascent radius. */
    rho: z.number().min(0).max(10).default(0.05),
    /** CrAM / CrAM+: each step draws one sparsity from this set (seeded). */
    cramSparsities: z.array(z.number().min(0).max(0.9999)).max(32).default([]),
    /** VAR weight lambda; 0 = off. */
    varLambda: z.number().min(0).max(1).default(0),
    /** SAM / CrAM: which gradient the ascent follows (see `ascentKinds`); default the whole objective. */
    ascent: z.enum(ascentKinds).default('objective'),
  })
  .strict()
  .refine((c) => !c.method.startsWith('cram') || c.cramSparsities.length > 0, {
    message: 'CrAM needs at least one sparsity in cramSparsities',
    path: ['cramSparsities'],
  });

export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;
export type OptimizerConfigInput = z.input<typeof OptimizerConfigSchema>;

export function parseOptimizerConfig(raw: unknown): OptimizerConfig {
  return parseWith(OptimizerConfigSchema, raw, {
    subject: 'optimizer config',
    hint: 'Check method, lr, rho, cramSparsities and varLambda',
  });
}
