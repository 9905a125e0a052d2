/**
 * tfjs-layers BatchNormalization and ReLU with a faster TRAINING path; inference, class names,
 * configs and weights are tfjs's own, so a saved model loads with stock `tf.loadLayersModel`
 * and predicts exactly as stock tfjs does.
 *
 * Training mode, on backends with the fused kernel (wasm, cpu; see
 * src/shared/compute/batchnorm-train.ts): the BatchNorm layer normalises with its batch
 * statistics, applies the following ReLU itself when built with `fuseRelu`, and updates the
 * moving statistics exactly as tfjs-layers does. Its ReLU layer then passes the (already
 * rectified) tensor through. Elsewhere (other backends, inference) both layers are stock.
 *
 * Porting note: the classes are tfjs-layers' own classes, subclassed; they are not registered
 * for deserialisation (a loaded model gets the stock classes, which compute the same function).
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain, ensureBatchNormTrain } from '../compute/batchnorm-train';

type Kwargs = Record<string, unknown>;
interface LayerInstance extends tf.layers.Layer {
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}
type LayerClass = new (args: object) => LayerInstance;

/** A tfjs-layers class as registered for deserialisation (the public API exports only factories). */
function stockClass(name: string): LayerClass {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name] as unknown as [LayerClass, unknown] | undefined;
  if (!entry) throw new Error(`tfjs-layers has no registered class ${name}`);
  return entry[0];
}

const StockBatchNormalization = stockClass('BatchNormalization');
const StockReLU = stockClass('ReLU');

/** Outputs of a fused BatchNorm+ReLU: the ReLU layer that receives one passes it through. */
const rectified = new WeakSet<tf.Tensor>();

interface BatchNormState {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: tf.LayerVariable;
  beta?: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** tfjs-layers' doMovingAverage: v <- v - (v - value) * (1 - momentum). */
function movingAverage(variable: tf.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const orig = variable.read();
    variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - momentum)));
  });
}

export interface FusedBatchNormArgs {
  name: string;
  axis: number;
  epsilon: number;
  momentum: number;
  /** Apply ReLU too in training mode; the ReLU layer built after it must be `passThroughReLU`. */
  fuseRelu: boolean;
}

class TrainingBatchNormalization extends StockBatchNormalization {
  private readonly fuseRelu: boolean;
  constructor(args: FusedBatchNormArgs) {
    const { fuseRelu, ...stock } = args;
    super(stock);
    this.fuseRelu = fuseRelu;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = single(inputs);
    const self = this as unknown as BatchNormState;
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (kwargs?.training !== true || !lastAxis || !self.gamma || !self.beta || x.dtype !== 'float32' || !ensureBatchNormTrain()) {
      return super.call(inputs, kwargs);
    }
    const y = tf.tidy(() => {
      const [out, mean, variance] = batchNormTrain(x, self.gamma!.read(), self.beta!.read(), {
        epsilon: self.epsilon,
        relu: this.fuseRelu,
      });
      movingAverage(self.movingMean, mean, self.momentum);
      movingAverage(self.movingVariance, variance, self.momentum);
      return out;
    });
    if (this.fuseRelu) rectified.add(y);
    return y;
  }
}

class PassThroughReLU extends StockReLU {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = single(inputs);
    // Only a tensor a fused BatchNorm+ReLU produced is known to be rectified already.
    if (rectified.has(x)) return x;
    return super.call(inputs, kwargs);
  }
}

/** BatchNormalization (tfjs class name and config) with the fused training path. */
export function batchNormalization(args: FusedBatchNormArgs): tf.layers.Layer {
  return new TrainingBatchNormalization(args);
}

/** ReLU (tfjs class name and config) that passes through a fused BatchNorm+ReLU output. */
export function passThroughReLU(args: { name: string }): tf.layers.Layer {
  return new PassThroughReLU(args);
}
