import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import type { GraphBuilder } from './onnx-builder';

/**
 * tfjs-layers -> ONNX, one layer at a time. Every tensor inside the graph is NCHW (the input
 * is transposed once at the start and the output once at the end), so channel-last tfjs
 * layers map to channel-first ONNX ops and a channels-last axis maps through NHWC_TO_NCHW.
 */
type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;

const NHWC_TO_NCHW = [0, 2, 3, 1];

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v as number, v as number]);

function unsupported(layer: Layer, what: string): StudioError {
  return new StudioError({
    code: 'unsupported',
    what: `Layer "${layer.name}" (${layer.getClassName()}): ${what} has no ONNX mapping here`,
    hint: 'Export a model built by the studio (Conv2D, BatchNorm, ReLU, Add, Concatenate, UpSampling2D, pooling)',
  });
}

function variable(layer: Layer, prop: string): tf.Tensor {
  const v = (layer as unknown as Record<string, tf.LayerVariable | null | undefined>)[prop];
  if (!v) throw unsupported(layer, `missing weight "${prop}"`);
  return v.read();
}

const data = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);

/** TF 'same': out = ceil(in / s), the extra pad goes to the end (bottom/right). ONNX order [t, l, b, r]. */
export function samePads(inHW: [number, number], k: [number, number], s: [number, number], d: [number, number] = [1, 1]): number[] {
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(inHW[i] / s[i]);
    const total = Math.max((out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inHW[i], 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [...before, ...after];
}

/** Explicit pads when H and W are static, else ONNX SAME_UPPER (the same rule, resolved at run time). */
function padAttrs(
  layer: Layer,
  input: tf.SymbolicTensor,
  padding: string,
  k: [number, number],
  s: [number, number],
  d: [number, number],
): Record<string, number[] | string> {
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (padding !== 'same') throw unsupported(layer, `padding "${padding}"`);
  const [, h, w] = input.shape;
  if (typeof h === 'number' && typeof w === 'number') return { pads: samePads([h, w], k, s, d) };
  return { auto_pad: 'SAME_UPPER' };
}

export function activation(b: GraphBuilder, layer: Layer, name: string, x: string, act: string | undefined): string {
  switch (act ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return b.node('Relu', [x], name)[0];
    case 'sigmoid':
      return b.node('Sigmoid', [x], name)[0];
    case 'tanh':
      return b.node('Tanh', [x], name)[0];
    case 'elu':
      return b.node('Elu', [x], name, { alpha: { float: 1 } })[0];
    case 'selu':
      return b.node('Selu', [x], name)[0];
    case 'softplus':
      return b.node('Softplus', [x], name)[0];
    case 'relu6':
      return clip(b, name, x, 0, 6);
    case 'swish':
      return b.node('Mul', [x, b.node('Sigmoid', [x], `${name}_sigmoid`)[0]], name)[0];
    case 'softmax':
      return b.node('Softmax', [x], name, { axis: 1 })[0];
    default:
      throw unsupported(layer, `activation "${act}"`);
  }
}

function clip(b: GraphBuilder, name: string, x: string, lo: number, hi: number): string {
  const min = b.float(`${name}_min`, Float32Array.of(lo), []);
  const max = b.float(`${name}_max`, Float32Array.of(hi), []);
  return b.node('Clip', [x, min, max], name)[0];
}

/** Emits one tfjs layer call; returns the ONNX names of its outputs. */
export function emitLayer(b: GraphBuilder, layer: Layer, inputs: tf.SymbolicTensor[], ins: string[]): string[] {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Config;
  const n = layer.name;
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, `data format ${String(cfg.dataFormat)}`);
  for (const t of inputs) if (t.shape.length !== 4) throw unsupported(layer, `rank-${t.shape.length} tensors`);
  switch (cls) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const k = pair(cfg.kernelSize);
      const s = pair(cfg.strides);
      const d = pair(cfg.dilationRate ?? 1);
      const kt = variable(layer, cls === 'Conv2D' ? 'kernel' : 'depthwiseKernel'); // [kh, kw, in, out|mult]
      const [kh, kw, cin, c3] = kt.shape;
      // Conv2D: [kh,kw,in,out] -> [out,in,kh,kw]; depthwise: [kh,kw,in,mult] -> [in*mult,1,kh,kw] (group = in).
      const perm = cls === 'Conv2D' ? [3, 2, 0, 1] : [2, 3, 0, 1];
      const w = (kt as tf.Tensor4D).transpose(perm);
      const cout = cls === 'Conv2D' ? c3 : cin * c3;
      const dims = cls === 'Conv2D' ? [cout, cin, kh, kw] : [cout, 1, kh, kw];
      const wName = b.kernel(`${n}/kernel`, data(w), dims);
      w.dispose();
      const convIn = [ins[0], wName];
      if (cfg.useBias) convIn.push(b.float(`${n}/bias`, data(variable(layer, 'bias')), [cout]));
      const attrs = {
        kernel_shape: k,
        strides: s,
        dilations: d,
        group: cls === 'Conv2D' ? 1 : cin,
        ...padAttrs(layer, inputs[0], String(cfg.padding), k, s, d),
      };
      const act = cfg.activation as string | undefined;
      const y = b.node('Conv', convIn, act && act !== 'linear' ? `${n}_preact` : n, attrs)[0];
      return [activation(b, layer, n, y, act)];
    }
    case 'Dense': {
      // A Dense on NHWC acts on channels only: a 1x1 convolution.
      const kt = variable(layer, 'kernel'); // [in, out]
      const [cin, cout] = kt.shape;
      const w = kt.transpose();
      const wName = b.kernel(`${n}/kernel`, data(w), [cout, cin, 1, 1]);
      w.dispose();
      const convIn = [ins[0], wName];
      if (cfg.useBias) convIn.push(b.float(`${n}/bias`, data(variable(layer, 'bias')), [cout]));
      const act = cfg.activation as string | undefined;
      const y = b.node('Conv', convIn, act && act !== 'linear' ? `${n}_preact` : n, { kernel_shape: [1, 1] })[0];
      return [activation(b, layer, n, y, act)];
    }
    case 'BatchNormalization': {
      const axis = cfg.axis as number;
      if (axis !== -1 && axis !== 3) throw unsupported(layer, `axis ${axis}`);
      const mean = data(variable(layer, 'movingMean'));
      const c = mean.length;
      const gamma = cfg.scale ? data(variable(layer, 'gamma')) : new Float32Array(c).fill(1);
      const beta = cfg.center ? data(variable(layer, 'beta')) : new Float32Array(c);
      const inputsBn = [
        ins[0],
        b.float(`${n}/gamma`, gamma, [c]),
        b.float(`${n}/beta`, beta, [c]),
        b.float(`${n}/moving_mean`, mean, [c]),
        b.float(`${n}/moving_variance`, data(variable(layer, 'movingVariance')), [c]),
      ];
      return b.node('BatchNormalization', inputsBn, n, { epsilon: { float: cfg.epsilon as number } });
    }
    case 'Activation':
      return [activation(b, layer, n, ins[0], cfg.activation as string)];
    case 'ReLU': {
      const max = cfg.maxValue as number | null | undefined;
      return [max == null ? b.node('Relu', [ins[0]], n)[0] : clip(b, n, ins[0], 0, max)];
    }
    case 'LeakyReLU':
      return b.node('LeakyRelu', [ins[0]], n, { alpha: { float: (cfg.alpha as number) ?? 0.3 } });
    case 'Add':
    case 'Multiply': {
      const op = cls === 'Add' ? 'Add' : 'Mul';
      let acc = ins[0];
      for (let i = 1; i < ins.length; i++) acc = b.node(op, [acc, ins[i]], i === ins.length - 1 ? n : `${n}_${i}`)[0];
      return [acc];
    }
    case 'Concatenate': {
      const axis = cfg.axis as number;
      return b.node('Concat', ins, n, { axis: NHWC_TO_NCHW[axis < 0 ? axis + 4 : axis] });
    }
    case 'UpSampling2D': {
      const [sh, sw] = pair(cfg.size);
      // tfjs calls resizeNearestNeighbor / resizeBilinear with alignCorners = halfPixelCenters = false:
      // source = floor(dst / scale) ('asymmetric' + 'floor'), and asymmetric linear for bilinear.
      const nearest = (cfg.interpolation ?? 'nearest') === 'nearest';
      const scales = b.float(`${n}/scales`, Float32Array.of(1, 1, sh, sw), [4]);
      return b.node('Resize', [ins[0], '', scales], n, {
        mode: nearest ? 'nearest' : 'linear',
        coordinate_transformation_mode: 'asymmetric',
        ...(nearest ? { nearest_mode: 'floor' } : {}),
      });
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const k = pair(cfg.poolSize);
      const s = pair(cfg.strides ?? cfg.poolSize);
      const attrs: Record<string, number | number[] | string> = {
        kernel_shape: k,
        strides: s,
        ...padAttrs(layer, inputs[0], String(cfg.padding), k, s, [1, 1]),
      };
      // TF's 'same' average ignores the padded cells; max pooling never sees them in ORT.
      if (cls === 'AveragePooling2D') attrs.count_include_pad = 0;
      return b.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [ins[0]], n, attrs);
    }
    case 'ZeroPadding2D': {
      const p = cfg.padding as [[number, number], [number, number]];
      const pads = b.int64(`${n}/pads`, [0, 0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1]]);
      return b.node('Pad', [ins[0], pads], n, { mode: 'constant' });
    }
    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
      return [ins[0]]; // identity at inference
    default:
      throw unsupported(layer, 'this layer type');
  }
}
