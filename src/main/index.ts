/** Electron main-process entry (out/main/index.js). The only main file that loads electron. */
import * as electron from 'electron';
import { shellPaths, startElectron } from './electron/app';

startElectron(electron, shellPaths(import.meta.url)).catch((e: unknown) => {
  console.error('VAR Studio failed to start:', e);
  electron.app.exit(1);
});
