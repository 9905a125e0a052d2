export * from './schemas';
export * from './card';
export { renderModelCardMarkdown, formatBytes } from './markdown';
export { computeVerdict } from './verdict';
