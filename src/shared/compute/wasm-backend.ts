/**
 * The slice of tfjs-backend-wasm's BackendWasm that our kernels use. Declared structurally so
 * this folder does not import the wasm package (it stays loadable where wasm is absent).
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';

type TensorInfo = tf.TensorInfo;
export type { TensorInfo };

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Float32 view straight onto the wasm heap: valid until the next allocation may grow the heap. */
export function heapF32(backend: WasmBackendLike, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function dispose(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Call another kernel of the same backend directly (no tape, no engine bookkeeping). */
export function runKernel(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (!config) {
    throw new StudioError({
      code: 'backend',
      what: `The wasm backend has no ${name} kernel`,
      hint: 'Check that @tensorflow/tfjs-backend-wasm matches @tensorflow/tfjs (4.22).',
    });
  }
  const out = config.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap });
  return out as TensorInfo;
}

export function requireChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new StudioError({
      code: 'unsupported',
      what: `${kernel} on wasm supports only NHWC data, got ${dataFormat}`,
      hint: 'Build the model with channelsLast data format.',
    });
  }
}
