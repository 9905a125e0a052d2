/**
 * AddN for webgpu in chunks. The stock kernel binds every input as its own storage buffer in
 * one shader, and WebGPU devices allow only 8 (the default) to 12 storage buffers per shader
 * stage, so summing a ResNet's gradients (VAR, the Hessian's dot products) failed device
 * validation. Here at most `maxInputs` tensors go into one stock call and partial sums chain.
 */
import type * as tf from '@tensorflow/tfjs';

interface Info {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface Backend {
  disposeData(dataId: object): boolean;
  device?: { limits: { maxStorageBuffersPerShaderStage: number } };
}

/** Inputs per stock call: the limit minus the output buffer. */
export function addNChunkSize(backend: Backend): number {
  return Math.max(2, (backend.device?.limits.maxStorageBuffersPerShaderStage ?? 8) - 1);
}

export function makeAddNChunked(stock?: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    if (!stock) throw new Error('AddN: the webgpu backend has no stock AddN kernel to chunk');
    const inputs = args.inputs as unknown as Info[];
    const backend = args.backend as unknown as Backend;
    const max = addNChunkSize(backend);
    if (inputs.length <= max) return stock(args);
    let acc = stock({ ...args, inputs: inputs.slice(0, max) as unknown as tf.NamedTensorInfoMap }) as unknown as Info;
    for (let i = max; i < inputs.length; i += max - 1) {
      const next = stock({
        ...args,
        inputs: [acc, ...inputs.slice(i, i + max - 1)] as unknown as tf.NamedTensorInfoMap,
      }) as unknown as Info;
      backend.disposeData(acc.dataId);
      acc = next;
    }
    return acc as unknown as tf.TensorInfo;
  };
}
