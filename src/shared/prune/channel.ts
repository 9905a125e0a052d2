/**
 * Channel (structured) pruning, the second pruning family: whole output channels of a conv
 * are removed, so the rebuilt network (`channel-model.ts`) is physically smaller and computes
 * fewer FLOPs, unlike unstructured sparsity, which stores and multiplies zeros.
 *
 * Which channels can go. A conv is *channel-prunable* when its channels reach nothing but other
 * convs' inputs, through at most one BatchNormalization right after it, a ReLU, and then any of
 * max-pooling, upsampling and concatenation (these map a zero channel to a zero channel). A
 * conv whose output reaches a residual Add, the model's output or any other layer stays dense.
 * Choice: residual-add groups (the stem, each block's last conv and projection, every identity
 * shortcut) are left dense rather than pruned jointly. An add forces one channel set on both
 * branches and on every block chained through identity shortcuts, so joint pruning would need
 * a group-level ranking and would also thin the skip features the decoder concatenates. In the
 * ResNet-UNets this leaves each block's inner convs and every decoder conv prunable, which is
 * most of the weights (reference preset: at most 96 % of the kernel weights, 95.5 % of the FLOPs; `maxChannelFraction`).
 *
 * How many go (defaults): the same fraction r of the channels of every prunable conv (at least
 * one channel is kept per conv: keep = max(1, round((1 - r) * channels))), with the smallest r
 * that removes at least the requested fraction of the target. Target `params` (default): the
 * conv and dense kernel elements (rank > 1, the weights the unstructured family counts, so
 * "0.75" means the same amount of weights in both families); `flops`: the forward
 * multiply-accumulates of those layers (`countFlops`).
 *
 * Which go (criterion, default `l1`): per conv, the channels with the smallest L1 norm of their
 * filter (`l2`: Euclidean norm); `bn-gamma`: the smallest |gamma| of the BatchNorm that follows
 * (network slimming, Liu et al. 2017; a conv without BatchNorm falls back to L1). Ties keep the
 * lower channel index.
 */
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import { percent } from '../format/percent';
import type { NamedWeight } from './types';

export type ChannelCriterion = 'l1' | 'l2' | 'bn-gamma';
export type ChannelTarget = 'params' | 'flops';

export interface ChannelPruneOptions {
  /** Fraction of the target (kernel weights or FLOPs) to remove, in [0, 1). */
  fraction: number;
  /** Default `params`. */
  target?: ChannelTarget;
  /** Default `l1`. */
  criterion?: ChannelCriterion;
}

export interface ChannelLayerPlan {
  /** The conv layer's name. */
  name: string;
  channels: number;
  /** Kept output channels, ascending original indices. */
  keep: number[];
}

export interface ChannelPlan {
  requested: number;
  target: ChannelTarget;
  criterion: ChannelCriterion;
  /** The per-conv fraction r that was applied. */
  ratio: number;
  /** Fraction of kernel elements (rank > 1) removed, over the whole model. */
  paramsRemoved: number;
  /** Fraction of conv/dense FLOPs removed, over the whole model. */
  flopsRemoved: number;
  kernelParams: { before: number; after: number };
  flops: { before: number; after: number };
  /** Every channel-prunable conv, in layer order (unchanged ones keep all channels). */
  layers: ChannelLayerPlan[];
}

/** What a sweep level or an export records of a plan: its sizes and fractions (the per-conv layers apart). */
export function channelPlanSummary(plan: ChannelPlan): Omit<ChannelPlan, 'requested' | 'layers'> {
  const { criterion, target, ratio, paramsRemoved, flopsRemoved, kernelParams, flops } = plan;
  return { criterion, target, ratio, paramsRemoved, flopsRemoved, kernelParams, flops };
}

type Layer = tf.layers.Layer;
type AnyLayer = Layer & Record<string, unknown>;

/** Layers that keep channel i in channel i and map a zero channel to zero (concatenation on the channel axis). */
const STRUCTURAL = new Set(['MaxPooling2D', 'UpSampling2D', 'Concatenate']);
/** Layers whose output has the channels of their (single) input. */
const PER_CHANNEL = new Set(['BatchNormalization', 'ReLU', 'Activation', 'MaxPooling2D', 'UpSampling2D']);
const onChannelAxis = (l: Layer) => cls(l) !== 'Concatenate' || [-1, 3].includes((l.getConfig() as { axis: number }).axis);

const cls = (l: Layer) => l.getClassName();
const inboundLayers = (l: Layer): Layer[] => {
  const nodes = (l as unknown as { inboundNodes: { inboundLayers: Layer[] }[] }).inboundNodes;
  if (nodes.length > 1) {
    throw new StudioError({
      code: 'unsupported',
      what: `Layer "${l.name}" is used more than once in the graph`,
      hint: 'Channel pruning needs a plain functional graph (every layer applied once)',
    });
  }
  return nodes[0]?.inboundLayers ?? [];
};
const channelsOf = (l: Layer): number => {
  const shape = l.outputShape as (number | null)[];
  return shape[shape.length - 1] as number;
};
const isReluAct = (l: Layer): boolean => {
  const c = cls(l);
  if (c === 'ReLU') return true;
  if (c === 'Activation') return ['relu', 'linear'].includes((l.getConfig() as { activation?: string }).activation ?? '');
  return false;
};

export interface ChannelGraph {
  layers: Layer[];
  /** Producer layers of each layer's input, in input order. */
  inputs: Map<Layer, Layer[]>;
  /** The channel-prunable convs, each with the BatchNorm right after it (if any). */
  prunable: { conv: Layer; bn?: Layer }[];
}

/** The graph and its channel-prunable convs (rule in the header). */
export function analyzeChannels(model: tf.LayersModel): ChannelGraph {
  const layers = model.layers;
  const inputs = new Map<Layer, Layer[]>(layers.map((l) => [l, inboundLayers(l)]));
  const consumers = new Map<Layer, Layer[]>(layers.map((l) => [l, []]));
  for (const l of layers) for (const p of inputs.get(l)!) consumers.get(p)!.push(l);
  const outputs = new Set(model.outputLayers);
  const only = (l: Layer): Layer | undefined => {
    const c = consumers.get(l)!;
    return c.length === 1 && !outputs.has(l) ? c[0] : undefined;
  };
  /** Every path from `l` reaches only conv inputs through structural layers. */
  const reachesConvsOnly = (l: Layer): boolean => {
    if (outputs.has(l)) return false;
    const next = consumers.get(l)!;
    return next.length > 0 && next.every((c) => cls(c) === 'Conv2D' || (STRUCTURAL.has(cls(c)) && onChannelAxis(c) && reachesConvsOnly(c)));
  };
  const prunable: ChannelGraph['prunable'] = [];
  for (const conv of layers) {
    if (cls(conv) !== 'Conv2D') continue;
    const config = conv.getConfig() as { activation?: string; dataFormat?: string; groups?: number };
    if (config.dataFormat === 'channelsFirst' || !['relu', 'linear', undefined].includes(config.activation)) continue;
    let end: Layer = conv;
    let bn: Layer | undefined;
    const afterConv = only(conv);
    // A BatchNorm without gamma cannot map a removed channel to zero (see channel-model.ts).
    if (
      afterConv &&
      cls(afterConv) === 'BatchNormalization' &&
      [-1, 3].includes((afterConv.getConfig() as { axis: number }).axis) &&
      layerVariable(afterConv, 'gamma')
    ) {
      bn = afterConv;
      end = bn;
    }
    const afterBn = only(end);
    if (afterBn && isReluAct(afterBn)) end = afterBn;
    if (bn && end === bn) continue; // BN output without a ReLU: a zero channel would not stay zero downstream of another BN
    if (reachesConvsOnly(end)) prunable.push({ conv, ...(bn ? { bn } : {}) });
  }
  return { layers, inputs, prunable };
}

/** Index of every variable in `model.weights` (the order of `readWeights`). */
export function weightIndex(model: tf.LayersModel): Map<tf.LayerVariable, number> {
  return new Map(model.weights.map((v, i) => [v, i]));
}

/** A layer's own variable (`kernel`, `bias`, `gamma`, `beta`, `movingMean`, `movingVariance`). */
export function layerVariable(l: Layer, field: string): tf.LayerVariable | undefined {
  const v = (l as AnyLayer)[field];
  return v && typeof v === 'object' && 'read' in (v as object) ? (v as tf.LayerVariable) : undefined;
}

function channelScores(
  conv: Layer,
  bn: Layer | undefined,
  weights: NamedWeight[],
  index: Map<tf.LayerVariable, number>,
  criterion: ChannelCriterion,
): Float64Array {
  const at = (l: Layer, field: string) => {
    const v = layerVariable(l, field);
    const i = v ? index.get(v) : undefined;
    if (i === undefined)
      throw new StudioError({
        code: 'mismatch',
        what: `Layer "${l.name}" has no ${field} in the weights given`,
        hint: 'Pass readWeights(model) of the same model',
      });
    return weights[i];
  };
  if (criterion === 'bn-gamma' && bn && layerVariable(bn, 'gamma')) return Float64Array.from(at(bn, 'gamma').values, Math.abs);
  const k = at(conv, 'kernel');
  const out = k.shape[k.shape.length - 1];
  const s = new Float64Array(out);
  for (let i = 0; i < k.values.length; i++) {
    const v = k.values[i];
    s[i % out] += criterion === 'l2' ? v * v : Math.abs(v);
  }
  return criterion === 'l2' ? s.map(Math.sqrt) : s;
}

/** The `count` channels with the largest scores, ascending index; ties keep the lower index. */
function topChannels(scores: Float64Array, count: number): number[] {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, count).sort((a, b) => a - b);
}

const keepCount = (channels: number, ratio: number) => Math.max(1, Math.round((1 - ratio) * channels));

interface Cost {
  params: number;
  flops: number;
}

/** Kernel elements and FLOPs of the model when each prunable conv keeps `keep.get(name)` channels. */
function costOf(graph: ChannelGraph, keep: Map<string, number>): Cost {
  const width = new Map<Layer, number>();
  let params = 0;
  let flops = 0;
  for (const l of graph.layers) {
    const ins = graph.inputs.get(l)!.map((p) => width.get(p)!);
    const c = cls(l);
    let w = channelsOf(l);
    if (c === 'Conv2D' || c === 'Dense' || c === 'DepthwiseConv2D') {
      const kernel = layerVariable(l, c === 'DepthwiseConv2D' ? 'depthwiseKernel' : 'kernel');
      const k = (kernel?.shape ?? []) as number[];
      if (c === 'Conv2D') w = keep.get(l.name) ?? w;
      // Conv2D kernel [kh, kw, in, out] with in and out as rebuilt; Dense/Depthwise keep their kernel.
      const size = c === 'Conv2D' ? k[0] * k[1] * ins[0] * w : k.reduce((a, b) => a * b, 1);
      const positions = (l.outputShape as number[]).slice(1, -1).reduce((a, b) => a * b, 1);
      params += size;
      flops += 2 * positions * size;
    } else if (c === 'Concatenate') w = ins.reduce((a, b) => a + b, 0);
    else if (PER_CHANNEL.has(c)) w = ins[0];
    width.set(l, w);
  }
  return { params, flops };
}

/** The largest fraction of `target` this model's channel-prunable convs can remove (each keeps one channel). */
export function maxChannelFraction(model: tf.LayersModel, target: ChannelTarget = 'params'): number {
  const graph = analyzeChannels(model);
  const dense = costOf(graph, new Map());
  const least = costOf(graph, new Map(graph.prunable.map((p) => [p.conv.name, 1])));
  return 1 - least[target] / dense[target];
}

/**
 * Refuses channel levels this model cannot reach (`most` = `maxChannelFraction`): the one rule for
 * a sweep's pruning and for an experiment's plan, which checks it before anything is trained.
 */
export function checkChannelFractions(fractions: readonly number[], most: number, target: ChannelTarget, note = ''): void {
  const over = fractions.filter((f) => f > most + 1e-12);
  if (over.length === 0) return;
  const pct = (f: number) => percent(f);
  throw new StudioError({
    code: 'bad-input',
    what: `Channel pruning can remove at most ${pct(most)} of this model's ${target === 'params' ? 'weights' : 'FLOPs'}, not ${over.map(pct).join(', ')}${note}`,
    hint: `Residual-add channels (stem, block outputs, projections) and the head stay dense; choose levels up to ${pct(Math.floor(most * 100) / 100)} or the unstructured family`,
  });
}

/**
 * Which channels of which convs to remove so that at least `fraction` of the target goes
 * (rule in the header). `weights` = `readWeights(model)` (the trained weights ranked).
 */
export function planChannelPruning(model: tf.LayersModel, weights: NamedWeight[], opts: ChannelPruneOptions): ChannelPlan {
  const target = opts.target ?? 'params';
  const criterion = opts.criterion ?? 'l1';
  const { fraction } = opts;
  if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 1) {
    throw new StudioError({
      code: 'bad-input',
      what: `Channel fraction ${fraction} is outside [0, 1)`,
      hint: 'Give the fraction of weights to remove, e.g. 0.5 for 50 %',
    });
  }
  if (weights.length !== model.weights.length) {
    throw new StudioError({
      code: 'mismatch',
      what: `${weights.length} weight tensors given for a model with ${model.weights.length}`,
      hint: 'Pass readWeights(model) of the same model',
    });
  }
  const graph = analyzeChannels(model);
  const dense = costOf(graph, new Map());
  const counts = (r: number) => new Map(graph.prunable.map((p) => [p.conv.name, keepCount(channelsOf(p.conv), r)]));
  const removed = (r: number) => 1 - costOf(graph, counts(r))[target] / dense[target];
  checkChannelFractions([fraction], removed(1), target);
  // Smallest ratio that reaches the target: removed(r) is a non-decreasing step function.
  let lo = 0;
  let hi = 1;
  if (removed(0) >= fraction) hi = 0;
  else {
    for (let i = 0; i < 60 && hi - lo > 1e-12; i++) {
      const mid = (lo + hi) / 2;
      if (removed(mid) >= fraction) hi = mid;
      else lo = mid;
    }
  }
  const index = weightIndex(model);
  const keep = counts(hi);
  const layers = graph.prunable.map(({ conv, bn }) => {
    const channels = channelsOf(conv);
    return { name: conv.name, channels, keep: topChannels(channelScores(conv, bn, weights, index, criterion), keep.get(conv.name)!) };
  });
  const after = costOf(graph, keep);
  return {
    requested: fraction,
    target,
    criterion,
    ratio: hi,
    paramsRemoved: 1 - after.params / dense.params,
    flopsRemoved: 1 - after.flops / dense.flops,
    kernelParams: { before: dense.params, after: after.params },
    flops: { before: dense.flops, after: after.flops },
    layers,
  };
}
