/**
 * Extra TensorFlow.js kernels for the wasm backend: the convolution gradients that stock
 * tfjs-backend-wasm lacks (or runs as a plain loop), written as forward convolutions so the
 * backend's XNNPACK path does the arithmetic. For webgpu: the kernels whose stock version
 * breaks a device limit.
 */
export {
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  registerCpuKernelFixes,
  CPU_KERNEL_FIXES,
  registerWebgpuKernels,
  WEBGPU_TRAINING_KERNELS,
} from './register';
export { registerLeanBatchNormGradient } from './batchnorm-grad';
