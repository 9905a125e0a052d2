export * from './config';
export * from './result';
