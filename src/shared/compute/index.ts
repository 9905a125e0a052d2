/**
 * Extra TensorFlow.js kernels for the wasm backend: the convolution gradients that stock
 * tfjs-backend-wasm lacks (or runs as a plain loop), written as forward convolutions so the
 * backend's XNNPACK path does the arithmetic.
 */
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS, registerCpuKernelFixes, CPU_KERNEL_FIXES } from './register';
export { registerLeanBatchNormGradient } from './batchnorm-grad';
