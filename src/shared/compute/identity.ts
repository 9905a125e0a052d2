/**
 * Identity for wasm without a copy: the output shares the input's memory (reference counted),
 * as tfjs's cpu backend and wasm's own Reshape already do; tensors are immutable.
 *
 * Why it matters: autodiff clones every tensor it saves for the backward pass (engine.clone ->
 * Identity), and the stock wasm kernel copies each one: a training step of the reference
 * network made about 400 such copies and kept both copies alive at once.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from './wasm-backend';

interface RefCounting {
  incRef(dataId: object): void;
}

export function makeIdentity(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as { inputs: { x: TensorInfo }; backend: RefCounting };
    const { x } = inputs;
    if (x.dtype === 'string' || typeof backend.incRef !== 'function') {
      if (stock) return stock(args);
      throw new Error('Identity: unsupported input');
    }
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
