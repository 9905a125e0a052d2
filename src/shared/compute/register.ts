/**
 * Registers the training kernels on the wasm backend through the public registerKernel API.
 * Must run after '@tensorflow/tfjs-backend-wasm' has been imported: that import registers the
 * stock kernels, and a later import would silently overwrite ours.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import { makeAddNChunked } from './addn-chunked';
import { registerLeanBatchNormGradient } from './batchnorm-grad';
import { conv2DBackpropFilter } from './conv2d-backprop-filter';
import { makeConv2DBackpropInput } from './conv2d-backprop-input';
import { makeIdentity } from './identity';
import { makeResizeNearestNeighborGrad, makeResizeNearestNeighborGradPortable } from './resize-nearest-grad';
import { makeSplitV } from './split';
import { makeTile } from './tile';

/**
 * Each factory receives the stock kernel (if any) for the cases it hands back.
 * Conv2DBackpropFilter: missing on wasm (training impossible without it).
 * Conv2DBackpropInput: stock is a scalar loop.
 * Tile, SplitV, ResizeNearestNeighborGrad: stock versions were among the largest
 * non-convolution costs of a UNet training step (BatchNorm gradient, skip concatenation
 * gradient, upsampling gradient). Sum, Mean and Concat were tried too and were not faster.
 * Identity: stock copies the data; autodiff clones every tensor it saves (see identity.ts).
 */
const KERNELS: Record<string, (stock?: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2DBackpropFilter: () => conv2DBackpropFilter,
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Tile: makeTile,
  SplitV: makeSplitV,
  ResizeNearestNeighborGrad: makeResizeNearestNeighborGrad,
  Identity: makeIdentity,
};

export const WASM_TRAINING_KERNELS: readonly string[] = Object.keys(KERNELS);

const MARK = Symbol.for('var-studio.wasm-training-kernels');
type Marked = tf.KernelConfig & { [MARK]?: true };

/** Replace (or add) one kernel, keeping the stock one as fallback; no-op when already ours. */
function replaceKernel(backendName: string, name: string, factory: (stock?: tf.KernelFunc) => tf.KernelFunc): void {
  const current = tf.getKernel(name, backendName) as Marked | undefined;
  if (current?.[MARK]) return;
  if (current) tf.unregisterKernel(name, backendName);
  // The stock setupFunc binds the wasm function the stock kernelFunc (our fallback) calls.
  const config: Marked = {
    kernelName: name,
    backendName,
    kernelFunc: factory(current?.kernelFunc),
    ...(current?.setupFunc ? { setupFunc: current.setupFunc } : {}),
  };
  config[MARK] = true;
  tf.registerKernel(config);
}

/** Correctness fixes for the cpu backend that training depends on (see resize-nearest-grad.ts). */
export const CPU_KERNEL_FIXES: readonly string[] = ['ResizeNearestNeighborGrad'];

export function registerCpuKernelFixes(): string[] {
  replaceKernel('cpu', 'ResizeNearestNeighborGrad', makeResizeNearestNeighborGradPortable);
  return [...CPU_KERNEL_FIXES];
}

export function registerWasmTrainingKernels(): string[] {
  if (!tf.getKernel('Conv2D', 'wasm')) {
    throw new StudioError({
      code: 'backend',
      what: 'The wasm backend is not loaded, so its training kernels cannot be added',
      hint: "Import '@tensorflow/tfjs-backend-wasm' before registering the training kernels.",
    });
  }
  for (const [name, factory] of Object.entries(KERNELS)) replaceKernel('wasm', name, factory);
  registerLeanBatchNormGradient();
  return [...WASM_TRAINING_KERNELS];
}

/**
 * webgpu: kernels whose stock version breaks a WebGPU device limit on studio models. Must run
 * after '@tensorflow/tfjs-backend-webgpu' has been imported (same reason as for wasm).
 */
const WEBGPU_KERNELS: Record<string, (stock?: tf.KernelFunc) => tf.KernelFunc> = {
  AddN: makeAddNChunked,
};

export const WEBGPU_TRAINING_KERNELS: readonly string[] = Object.keys(WEBGPU_KERNELS);

export function registerWebgpuKernels(): string[] {
  if (!tf.getKernel('AddN', 'webgpu')) {
    throw new StudioError({
      code: 'backend',
      what: 'The webgpu backend is not loaded, so its kernels cannot be added',
      hint: "Import '@tensorflow/tfjs-backend-webgpu' before registering the webgpu kernels.",
    });
  }
  for (const [name, factory] of Object.entries(WEBGPU_KERNELS)) replaceKernel('webgpu', name, factory);
  return [...WEBGPU_TRAINING_KERNELS];
}
