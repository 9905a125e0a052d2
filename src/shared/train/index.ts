export * from './loss';
export * from './var';
export * from './gradients';
export * from './optimizers';
export * from './schedule';
export * from './augment';
export * from './topk';
