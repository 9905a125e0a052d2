export * from './config';
export * from './result';
export * from './image';
export * from './fragile';
