/**
 * A channel plan (`channel.ts`) applied to a model, two ways:
 *
 * - `buildChannelPruned`: the physically smaller network. Same layer graph and names; each
 *   pruned conv has fewer filters, and every layer downstream takes only the kept channels
 *   (its BatchNorm's gamma/beta/moving statistics, the next conv's input rows, through
 *   concatenations at their offsets).
 * - `maskChannels`: the "masked original", the reference the smaller network must equal. It is
 *   the original network in which every removed channel's activation (the output of its
 *   BatchNorm, hence of its ReLU) is identically zero: its filter (and bias) AND its BatchNorm
 *   gamma and beta are zeroed. Zeroing the filter alone would not do: BatchNorm maps a zero
 *   input to beta - mean * gamma / sqrt(var + eps), which is not zero. Downstream layers then
 *   receive exactly zero on that channel, which is what removing the channel means; the two
 *   models agree up to float summation order.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import { analyzeChannels, layerVariable, weightIndex, type ChannelPlan } from './channel';
import type { NamedWeight } from './types';

type Layer = tf.layers.Layer;

const full = (n: number) => Array.from({ length: n }, (_, i) => i);
const lastDim = (shape: readonly (number | null)[]) => shape[shape.length - 1] as number;

/** Kept channel indices (into the original channel axis) of every layer's output. */
function keptChannels(model: tf.LayersModel, plan: ChannelPlan): Map<Layer, number[]> {
  const graph = analyzeChannels(model);
  const prunable = new Set(graph.prunable.map((p) => p.conv.name));
  const keepOf = new Map(plan.layers.map((l) => [l.name, l.keep]));
  for (const name of keepOf.keys()) {
    if (!prunable.has(name)) {
      throw new StudioError({
        code: 'mismatch',
        what: `The channel plan prunes "${name}", which is not a channel-prunable conv of this model`,
        hint: 'Plan the pruning on the same model (planChannelPruning)',
      });
    }
  }
  const kept = new Map<Layer, number[]>();
  for (const l of graph.layers) {
    const ins = graph.inputs.get(l)!;
    const c = l.getClassName();
    const n = lastDim(l.outputShape as number[]);
    let k: number[];
    if (c === 'Conv2D') k = keepOf.get(l.name) ?? full(n);
    else if (c === 'Concatenate') {
      k = [];
      let offset = 0;
      for (const p of ins) {
        k.push(...kept.get(p)!.map((i) => i + offset));
        offset += lastDim(p.outputShape as number[]);
      }
    } else if (ins.length === 1 && ['BatchNormalization', 'ReLU', 'Activation', 'MaxPooling2D', 'UpSampling2D'].includes(c))
      k = kept.get(ins[0])!;
    else {
      // Any other layer (Add, Dense, the input) must see all of its input channels.
      for (const p of ins) {
        if (kept.get(p)!.length !== lastDim(p.outputShape as number[])) {
          throw new StudioError({
            code: 'internal',
            what: `Layer "${l.name}" (${c}) would receive pruned channels`,
            hint: 'Report this: the channel-prunable rule let a channel reach a layer it cannot pass through',
          });
        }
      }
      k = full(n);
    }
    kept.set(l, k);
  }
  return kept;
}

/** Rows of a [..., inC, outC] kernel (or [C] vector) restricted to `inIdx` x `outIdx`. */
function sliceKernel(w: NamedWeight, inIdx: number[] | null, outIdx: number[]): NamedWeight {
  const shape = w.shape;
  const outC = shape[shape.length - 1];
  if (shape.length === 1) return { name: w.name, shape: [outIdx.length], values: Float32Array.from(outIdx, (o) => w.values[o]) };
  const inC = shape[shape.length - 2];
  const rows = inIdx ?? full(inC);
  const spatial = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const values = new Float32Array(spatial * rows.length * outIdx.length);
  let j = 0;
  for (let s = 0; s < spatial; s++) {
    for (const i of rows) {
      const base = (s * inC + i) * outC;
      for (const o of outIdx) values[j++] = w.values[base + o];
    }
  }
  return { name: w.name, shape: [...shape.slice(0, -2), rows.length, outIdx.length], values };
}

const weightOf = (weights: NamedWeight[], index: Map<tf.LayerVariable, number>, v: tf.LayerVariable) => {
  const i = index.get(v);
  if (i === undefined)
    throw new StudioError({
      code: 'mismatch',
      what: `Weight ${v.name} is not one of the model's`,
      hint: 'Pass readWeights(model) of the same model',
    });
  return weights[i];
};

/**
 * The physically smaller network of `plan`, with `weights` (= readWeights(model), the trained
 * weights) restricted to the kept channels. Built from the model's own config (stock tfjs-layers
 * classes, so it saves, loads and exports like any studio model). The caller disposes it.
 */
export function buildChannelPruned(model: tf.LayersModel, weights: NamedWeight[], plan: ChannelPlan): tf.LayersModel {
  if (weights.length !== model.weights.length) {
    throw new StudioError({
      code: 'mismatch',
      what: `${weights.length} weight tensors given for a model with ${model.weights.length}`,
      hint: 'Pass readWeights(model) of the same model',
    });
  }
  const kept = keptChannels(model, plan);
  const keepOf = new Map(plan.layers.map((l) => [l.name, l.keep.length]));
  const config = structuredClone(model.getConfig()) as unknown as {
    name: string;
    layers: { name: string; className: string; config: Record<string, unknown> }[];
  };
  for (const l of config.layers) {
    if (l.className === 'Conv2D' && keepOf.has(l.name)) l.config.filters = keepOf.get(l.name);
  }
  config.name = `${model.name}_channels`;
  const fromConfig = (tf.LayersModel as unknown as { fromConfig: (c: unknown, cfg: unknown) => tf.LayersModel }).fromConfig;
  const smaller = fromConfig(tf.LayersModel, config);
  const index = weightIndex(model);
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const inputOf = (l: Layer) => (l as unknown as { inboundNodes: { inboundLayers: Layer[] }[] }).inboundNodes[0]?.inboundLayers[0];
  const writes: [tf.LayerVariable, NamedWeight][] = [];
  for (const target of smaller.layers) {
    const source = byName.get(target.name)!;
    if (target.weights.length === 0) continue;
    const c = source.getClassName();
    const outIdx = kept.get(source)!;
    const prev = inputOf(source);
    const inIdx = prev ? kept.get(prev)! : null;
    for (const field of ['kernel', 'bias', 'gamma', 'beta', 'movingMean', 'movingVariance']) {
      const from = layerVariable(source, field);
      const to = layerVariable(target, field);
      if (!from || !to) continue;
      const w = weightOf(weights, index, from);
      // A BatchNorm's vectors follow its input's channels; a kernel maps input rows to output columns.
      const cut =
        c === 'BatchNormalization'
          ? sliceKernel(w, null, inIdx!)
          : field === 'kernel'
            ? sliceKernel(w, inIdx, outIdx)
            : sliceKernel(w, null, outIdx);
      writes.push([to, cut]);
    }
  }
  for (const [v, w] of writes) {
    const shape = v.shape as number[];
    if (shape.length !== w.shape.length || shape.some((d, i) => d !== w.shape[i])) {
      smaller.dispose();
      throw new StudioError({
        code: 'internal',
        what: `Rebuilt weight ${v.name} has shape [${shape}] but the cut gives [${w.shape}]`,
        hint: 'Report this: the channel plan and the rebuilt graph disagree',
      });
    }
  }
  tf.tidy(() => writes.forEach(([v, w]) => v.write(tf.tensor(w.values, w.shape, 'float32'))));
  return smaller;
}

/**
 * The masked original of `plan` (see header): copies of `weights` in which every removed
 * channel's filter, bias, BatchNorm gamma and beta are zero. Apply with `applyToModel`.
 */
export function maskChannels(model: tf.LayersModel, weights: NamedWeight[], plan: ChannelPlan): NamedWeight[] {
  const out = weights.map((w) => ({ name: w.name, shape: [...w.shape], values: w.values.slice() }));
  const index = weightIndex(model);
  const graph = analyzeChannels(model);
  const bnOf = new Map(graph.prunable.map((p) => [p.conv.name, p.bn]));
  const convs = new Map(graph.prunable.map((p) => [p.conv.name, p.conv]));
  for (const lp of plan.layers) {
    const conv = convs.get(lp.name);
    if (!conv)
      throw new StudioError({
        code: 'mismatch',
        what: `The channel plan prunes "${lp.name}", which is not a channel-prunable conv of this model`,
        hint: 'Plan the pruning on the same model (planChannelPruning)',
      });
    const keep = new Set(lp.keep);
    const zeroLast = (v: tf.LayerVariable | undefined) => {
      if (!v) return;
      const w = out[index.get(v)!];
      const c = w.shape[w.shape.length - 1];
      for (let i = 0; i < w.values.length; i++) if (!keep.has(i % c)) w.values[i] = 0;
    };
    zeroLast(layerVariable(conv, 'kernel'));
    zeroLast(layerVariable(conv, 'bias'));
    const bn = bnOf.get(lp.name);
    if (bn) {
      zeroLast(layerVariable(bn, 'gamma'));
      zeroLast(layerVariable(bn, 'beta'));
    }
  }
  return out;
}
