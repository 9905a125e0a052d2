export { createParallelGradientFn, splitRows, type ParallelGradientEngine, type ParallelGradientOptions } from './coordinator';
export type { LossSpec } from './protocol';
