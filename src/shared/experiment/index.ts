export * from './config';
export * from './grid';
export * from './presets';
export * from './results';
export * from './summary';
