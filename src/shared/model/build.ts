import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import type { ModelConfig } from './config';
import { parseModelConfig } from './config';
import { batchNormalization, passThroughReLU } from './layers';
import { isPrunableShape } from './weights';

/**
 * The ResNet-UNet family in tfjs-layers (NHWC). One code path builds every preset; the
 * resolved architecture is computed first so that shape errors are reported before any
 * weight is allocated.
 */

type BlockKind = 'basic' | 'bottleneck';

export interface Architecture {
  blockKind: BlockKind;
  /** Blocks per encoder stage. */
  blocks: number[];
  /** Scaled base width per stage (bottleneck stages output 4x this). */
  stageWidths: number[];
  /** true: 7x7/2 stem conv + 3x3/2 max-pool (torchvision); false: 3x3/1 stem, no pool. */
  torchvisionStem: boolean;
  stemWidth: number;
  /** Scaled decoder widths, deepest first. */
  decoderWidths: number[];
  decoderConvs: number;
  /** Input size must be a multiple of this. */
  downsample: number;
}

const BN_EPSILON = 1e-5; // PyTorch's default, so ported weights behave the same
const BN_MOMENTUM = 0.9; // = PyTorch momentum 0.1 (tfjs keeps `momentum` of the old value)
const BOTTLENECK_EXPANSION = 4;
/**
 * Prior foreground probability the sigmoid head starts at (bias = logit(HEAD_PRIOR); Lin et al.
 * 2017, "Focal loss", section 4.1). Lesions cover about 1 % of the pixels. With a zero bias the
 * head starts at p = 0.5 everywhere: on the many empty slices the per-image soft Dice is then
 * about 1 with a large gradient, and the first steps drive a deep UNet into predicting no lesion
 * anywhere, where the sigmoid saturates and the small lesion gradient cannot pull it back (the
 * ResNet-18-UNet at 64 px stayed there for 8 epochs: val Dice 0.625 = only the empty slices).
 */
export const HEAD_PRIOR = 0.01;

const depthOf: Record<ModelConfig['encoder'], { kind: BlockKind; blocks: number[] }> = {
  basic1: { kind: 'basic', blocks: [1, 1, 1, 1] },
  resnet18: { kind: 'basic', blocks: [2, 2, 2, 2] },
  resnet34: { kind: 'basic', blocks: [3, 4, 6, 3] },
  resnet50: { kind: 'bottleneck', blocks: [3, 4, 6, 3] },
};

const scale = (w: number, m: number) => Math.max(1, Math.round(w * m));

export function resolveArchitecture(raw: ModelConfig): Architecture {
  const config = parseModelConfig(raw);
  const depth = depthOf[config.encoder];
  const torchvisionStem = config.encoder !== 'basic1';
  const m = config.widthMultiplier;
  const baseStages = config.stageWidths ?? (torchvisionStem ? [64, 128, 256, 512] : [16, 32, 64, 128]);
  // A custom number of stages keeps the block count of the first stages and repeats the last.
  const blocks = baseStages.map((_, i) => depth.blocks[Math.min(i, depth.blocks.length - 1)]);
  const stageWidths = baseStages.map((w) => scale(w, m));
  const nStages = stageWidths.length;
  const stemWidth = torchvisionStem ? scale(64, m) : stageWidths[0];
  // basic1: one decoder stage per skip (stages 0..n-2). torchvision: skips are the stem
  // (H/2) and stages 0..n-2, plus one final x2 stage back to full resolution without a skip.
  const nDecoder = torchvisionStem ? nStages + 1 : nStages - 1;
  // Defaults: torchvision encoders get the usual UNet decoder 256/128/64/32/16 (halving to
  // 16 at full resolution); basic1 mirrors its encoder widths.
  const defaultDecoder = torchvisionStem
    ? Array.from({ length: nDecoder }, (_, d) => 16 * 2 ** (nDecoder - 1 - d))
    : [...baseStages].reverse().slice(1);
  const baseDecoder = config.decoderWidths ?? defaultDecoder;
  if (baseDecoder.length !== nDecoder) {
    throw new StudioError({
      code: 'bad-input',
      what: `decoderWidths has ${baseDecoder.length} entries but this encoder needs ${nDecoder}`,
      hint: 'Give one decoder width per decoder stage (deepest first), or leave decoderWidths out',
    });
  }
  const downsample = 2 ** (torchvisionStem ? nStages + 1 : nStages - 1);
  if (config.inputSize % downsample !== 0) {
    throw new StudioError({
      code: 'bad-input',
      what: `Input size ${config.inputSize} is not a multiple of ${downsample}, the encoder's total downsampling`,
      hint: `Use an input size divisible by ${downsample} (e.g. ${Math.max(downsample, Math.round(config.inputSize / downsample) * downsample)})`,
    });
  }
  if (nStages < 2 && !torchvisionStem) {
    throw new StudioError({ code: 'bad-input', what: 'The basic1 encoder needs at least 2 stages', hint: 'Give at least two stageWidths' });
  }
  return {
    blockKind: depth.kind,
    blocks,
    stageWidths,
    torchvisionStem,
    stemWidth,
    decoderWidths: baseDecoder.map((w) => scale(w, m)),
    decoderConvs: config.decoderConvs ?? (torchvisionStem ? 2 : 1),
    downsample,
  };
}

/** Hands out one initializer seed per layer, in build order, so a config fixes all weights. */
class Seeds {
  private i = 0;
  constructor(private readonly base: number) {}
  next(): number {
    return (this.base + this.i++) % 2 ** 31;
  }
}

type SymT = tf.SymbolicTensor;

function conv(x: SymT, name: string, filters: number, kernel: number, stride: number, seeds: Seeds): SymT {
  // torchvision: kaiming_normal_(mode='fan_out', nonlinearity='relu'); no bias, BN follows.
  return tf.layers
    .conv2d({
      name,
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed: seeds.next() }),
    })
    .apply(x) as SymT;
}

/**
 * tfjs-layers BatchNormalization; `fuseRelu` when a ReLU follows directly, so that training
 * computes both in one kernel (see layers.ts; saved models are stock tfjs).
 */
function bn(x: SymT, name: string, fuseRelu = false): SymT {
  return batchNormalization({ name, axis: -1, epsilon: BN_EPSILON, momentum: BN_MOMENTUM, fuseRelu }).apply(x) as SymT;
}

const relu = (x: SymT, name: string) => passThroughReLU({ name }).apply(x) as SymT;

function convBnRelu(x: SymT, prefix: string, filters: number, kernel: number, stride: number, seeds: Seeds, suffix = ''): SymT {
  const c = conv(x, `${prefix}_conv${suffix}`, filters, kernel, stride, seeds);
  return relu(bn(c, `${prefix}_bn${suffix}`, true), `${prefix}_relu${suffix}`);
}

function residualBlock(x: SymT, prefix: string, kind: BlockKind, width: number, stride: number, seeds: Seeds): SymT {
  const inC = x.shape[3] as number;
  const outC = kind === 'bottleneck' ? width * BOTTLENECK_EXPANSION : width;
  let y: SymT;
  if (kind === 'basic') {
    y = convBnRelu(x, prefix, width, 3, stride, seeds, '1');
    y = bn(conv(y, `${prefix}_conv2`, width, 3, 1, seeds), `${prefix}_bn2`);
  } else {
    // torchvision v1.5: the stride sits on the 3x3 conv.
    y = convBnRelu(x, prefix, width, 1, 1, seeds, '1');
    y = convBnRelu(y, prefix, width, 3, stride, seeds, '2');
    y = bn(conv(y, `${prefix}_conv3`, outC, 1, 1, seeds), `${prefix}_bn3`);
  }
  let shortcut = x;
  if (stride !== 1 || inC !== outC) {
    shortcut = bn(conv(x, `${prefix}_proj`, outC, 1, stride, seeds), `${prefix}_proj_bn`);
  }
  const sum = tf.layers.add({ name: `${prefix}_add` }).apply([y, shortcut]) as SymT;
  return relu(sum, `${prefix}_out`);
}

interface EncoderOutput {
  input: SymT;
  /** Skip features, highest resolution first. */
  skips: SymT[];
  bottom: SymT;
}

function buildEncoderGraph(config: ModelConfig, arch: Architecture, seeds: Seeds): EncoderOutput {
  const input = tf.input({ name: 'image', shape: [config.inputSize, config.inputSize, config.inChannels] });
  const skips: SymT[] = [];
  let x: SymT;
  if (arch.torchvisionStem) {
    x = convBnRelu(input, 'stem', arch.stemWidth, 7, 2, seeds);
    skips.push(x);
    x = tf.layers.maxPooling2d({ name: 'stem_pool', poolSize: 3, strides: 2, padding: 'same' }).apply(x) as SymT;
  } else {
    x = convBnRelu(input, 'stem', arch.stemWidth, 3, 1, seeds);
  }
  arch.stageWidths.forEach((width, s) => {
    for (let b = 0; b < arch.blocks[s]; b++) {
      // torchvision: stage 0 keeps resolution (the max-pool already halved it); basic1: stage 0 is full resolution.
      const stride = b === 0 && s > 0 ? 2 : 1;
      x = residualBlock(x, `enc${s + 1}_block${b}`, arch.blockKind, width, stride, seeds);
    }
    if (s < arch.stageWidths.length - 1) skips.push(x);
  });
  return { input, skips, bottom: x };
}

function buildDecoderGraph(enc: EncoderOutput, arch: Architecture, seeds: Seeds): SymT {
  let x = enc.bottom;
  const nDecoder = arch.decoderWidths.length;
  for (let d = 0; d < nDecoder; d++) {
    // dec{k} outputs at resolution H / 2^(k-1): dec1 is full resolution.
    const k = nDecoder - d;
    const prefix = `dec${k}`;
    x = tf.layers.upSampling2d({ name: `${prefix}_up`, size: [2, 2], interpolation: 'nearest' }).apply(x) as SymT;
    const skip = enc.skips[enc.skips.length - 1 - d];
    if (skip) x = tf.layers.concatenate({ name: `${prefix}_concat`, axis: -1 }).apply([x, skip]) as SymT;
    for (let c = 0; c < arch.decoderConvs; c++) {
      x = convBnRelu(x, prefix, arch.decoderWidths[d], 3, 1, seeds, arch.decoderConvs === 1 ? '' : String(c + 1));
    }
  }
  return tf.layers
    .conv2d({
      name: 'head',
      filters: 1,
      kernelSize: 1,
      padding: 'same',
      activation: 'sigmoid',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.next() }),
      biasInitializer: tf.initializers.constant({ value: Math.log(HEAD_PRIOR / (1 - HEAD_PRIOR)) }),
    })
    .apply(x) as SymT;
}

const modelName = (c: ModelConfig) => (c.preset ?? `${c.encoder}-unet`).replace(/[^A-Za-z0-9_]/g, '_');

/** The segmentation network: image [N,H,W,C] in, mask probability [N,H,W,1] out. */
export function buildModel(raw: ModelConfig): tf.LayersModel {
  const config = parseModelConfig(raw);
  const arch = resolveArchitecture(config);
  const seeds = new Seeds(config.seed);
  const enc = buildEncoderGraph(config, arch, seeds);
  const out = buildDecoderGraph(enc, arch, seeds);
  return tf.model({ name: modelName(config), inputs: enc.input, outputs: out });
}

/**
 * The encoder alone, outputs = skip features (highest resolution first) then the deepest
 * feature. Same layer names and seeds as in `buildModel`. Used to compare parameter
 * counts with torchvision and for feature inspection.
 */
export function buildEncoderModel(raw: ModelConfig): tf.LayersModel {
  const config = parseModelConfig(raw);
  const arch = resolveArchitecture(config);
  const enc = buildEncoderGraph(config, arch, new Seeds(config.seed));
  return tf.model({ name: `${modelName(config)}_encoder`, inputs: enc.input, outputs: [...enc.skips, enc.bottom] });
}

export interface ParamCount {
  /**
   * Counted like PyTorch's `parameters()`: conv/dense kernels, biases, BatchNorm gamma and
   * beta. Equals tfjs's trainable weights.
   */
  trainable: number;
  /** BatchNorm moving mean and variance (PyTorch buffers, not parameters). */
  nonTrainable: number;
}

export function countParams(model: tf.LayersModel): ParamCount {
  const size = (ws: tf.LayerVariable[]) => ws.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return { trainable: size(model.trainableWeights), nonTrainable: size(model.nonTrainableWeights) };
}

/**
 * Forward FLOPs for ONE image, counted as 2 x multiply-accumulates of the conv and dense
 * layers only (BN, ReLU, adds, pooling, upsampling and bias adds are left out: they are a
 * few percent and memory-bound). Needs static spatial shapes, which buildModel always has.
 */
export function countFlops(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Conv2D' || cls === 'DepthwiseConv2D' || cls === 'Dense') {
      const kernel = layer.weights.find((w) => isPrunableShape(w.shape));
      const out = layer.outputShape as (number | null)[];
      if (!kernel) continue;
      const k = kernel.shape as number[];
      // Output positions = product of the non-batch, non-channel output dims.
      const positions = out.slice(1, -1).reduce<number>((a, b) => a * (b ?? NaN), 1);
      if (cls === 'Dense') macs += positions * k[0] * k[1];
      else if (cls === 'Conv2D') macs += positions * k[0] * k[1] * k[2] * k[3];
      else macs += positions * k[0] * k[1] * k[2] * k[3]; // depthwise: [kh,kw,in,mult]
    }
  }
  if (!Number.isFinite(macs)) {
    throw new StudioError({ code: 'bad-input', what: 'The model has dynamic spatial shapes', hint: 'Build it with a fixed inputSize' });
  }
  return 2 * macs;
}
