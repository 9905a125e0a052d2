export * from './config';
export * from './record';
export * from './events';
