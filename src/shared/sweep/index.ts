export * from './config';
export * from './result';
export * from './image';
export * from './fragile';
export * from './legacy';
