import type { WeightArray } from '../model/weights';

/** One weight tensor as plain data (the model module's snapshot type), detached from tfjs. */
export type NamedWeight = WeightArray;

export type PruneScope = 'global' | 'layerwise';

export interface PruneOptions {
  /** Fraction of the prunable weights set to zero, in [0, 1]. */
  sparsity: number;
  /** global: one magnitude threshold over all prunable tensors; layerwise: the same fraction in each. */
  scope: PruneScope;
  /**
   * Leave the first (stem) and last (head) prunable tensors dense. The requested sparsity then
   * applies to the remaining tensors only; `overall` in the report gives it over all of them.
   */
  keepFirstLast?: boolean;
}

export interface LayerSparsity {
  name: string;
  total: number;
  zeros: number;
  sparsity: number;
  /** False for tensors left dense by `keepFirstLast`. */
  pruned: boolean;
}

export interface PruneReport {
  requested: number;
  /** Zeros / size over the pruned set (excludes tensors kept dense by keepFirstLast). */
  achieved: number;
  /** Zeros / size over every rank>1 tensor passed in, kept ones included. */
  overall: number;
  scope: PruneScope;
  keepFirstLast: boolean;
  /** Global scope: the magnitude at which ties were broken (|w| below it are all zero). */
  threshold?: number;
  perLayer: LayerSparsity[];
}

export interface PruneResult {
  /** Copies of every input tensor, in input order; rank<=1 tensors are copied unchanged. */
  weights: NamedWeight[];
  report: PruneReport;
}
