/**
 * Registers the training kernels on the wasm backend through the public registerKernel API.
 * Must run after '@tensorflow/tfjs-backend-wasm' has been imported: that import registers the
 * stock kernels, and a later import would silently overwrite ours.
 */
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../errors';
import { conv2DBackpropFilter } from './conv2d-backprop-filter';
import { makeConv2DBackpropInput } from './conv2d-backprop-input';
import { makeTile } from './tile';

export const WASM_TRAINING_KERNELS: readonly string[] = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Tile'];

const MARK = Symbol.for('var-studio.wasm-training-kernels');

export function registerWasmTrainingKernels(): string[] {
  const current = tf.getKernel('Conv2DBackpropInput', 'wasm') as (tf.KernelConfig & { [MARK]?: true }) | undefined;
  if (current?.[MARK]) return [...WASM_TRAINING_KERNELS];
  if (!tf.getKernel('Conv2D', 'wasm')) {
    throw new StudioError({
      code: 'backend',
      what: 'The wasm backend is not loaded, so its training kernels cannot be added',
      hint: "Import '@tensorflow/tfjs-backend-wasm' before registering the training kernels.",
    });
  }
  // Keep the stock kernel: its setup binds the wasm function, and it covers padding our
  // phase decomposition cannot express.
  if (current) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  const input: tf.KernelConfig & { [MARK]?: true } = {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: makeConv2DBackpropInput(current?.kernelFunc),
    ...(current?.setupFunc ? { setupFunc: current.setupFunc } : {}),
  };
  input[MARK] = true;
  tf.registerKernel(input);

  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter });

  // Core's BatchNorm gradient tiles per-channel vectors to full activations; the stock kernel is slow at it.
  const tile = tf.getKernel('Tile', 'wasm');
  if (tile) tf.unregisterKernel('Tile', 'wasm');
  tf.registerKernel({
    kernelName: 'Tile',
    backendName: 'wasm',
    kernelFunc: makeTile(tile?.kernelFunc),
    ...(tile?.setupFunc ? { setupFunc: tile.setupFunc } : {}),
  });
  return [...WASM_TRAINING_KERNELS];
}
