export { RunStore, defaultRunsRoot, newRunId, STUDIO_HOME_ENV, type RunPaths } from './store';
export { replaceDirAtomic, resolveSwappedDir } from './dirSwap';
