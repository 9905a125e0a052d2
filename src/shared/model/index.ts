export * from './config';
export * from './build';
export * from './weights';
