/**
 * Electron shell start-up. The electron module is passed in (from src/main/index.ts) so this file
 * never loads Electron by itself.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Electron from 'electron';
import { createServiceHost } from '../services';
import { electronDialogs } from './dialogs';
import { forwardEvents, registerIpc, type IpcMainLike } from './ipc';
import { allowNavigation, enforceSingleInstance, permissionAllowed, windowOpenDecision, withCsp } from './security';
import { STUDIO_HOME_ENV, studioHome } from '../../node/runs/home';
import { createWindowOptions } from './window';

type ElectronModule = typeof Electron;

export interface ShellPaths {
  preload: string;
  /** file:// URL of the renderer, or the dev server URL under `electron-vite dev`. */
  rendererUrl: string;
}

/** Paths relative to the built out/main/index.js. */
export function shellPaths(mainModuleUrl: string, env: NodeJS.ProcessEnv = process.env): ShellPaths {
  const mainDir = dirname(fileURLToPath(mainModuleUrl));
  const devUrl = env.ELECTRON_RENDERER_URL;
  return {
    preload: join(mainDir, '../preload/index.cjs'),
    rendererUrl: devUrl ? devUrl : pathToFileURL(join(mainDir, '../renderer/index.html')).href,
  };
}

export async function startElectron(electron: ElectronModule, paths: ShellPaths): Promise<void> {
  const { app, BrowserWindow, ipcMain, session, shell } = electron;
  const focusExisting = (): void => {
    const win = BrowserWindow.getAllWindows()[0];
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  };
  if (!enforceSingleInstance(app, focusExisting)) return;
  // Runs live in the platform's app-data folder unless the user chose one; helper processes inherit it.
  process.env[STUDIO_HOME_ENV] ||= studioHome(undefined, app.getPath('userData'));
  app.enableSandbox();

  // Guards on every web contents, including any created later by mistake.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!allowNavigation(url, paths.rendererUrl)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!allowNavigation(url, paths.rendererUrl)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const d = windowOpenDecision(url);
      if (d.openExternally) void shell.openExternal(url);
      return { action: d.action };
    });
  });

  await app.whenReady();

  // The built renderer carries the CSP twice (this header and its meta tag). Under
  // `electron-vite dev` the dev server injects an inline React-refresh preamble the CSP would block.
  if (paths.rendererUrl.startsWith('file:')) {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: withCsp(details.responseHeaders) });
    });
  }
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin));

  const host = createServiceHost({ shell: 'electron', dialogs: electronDialogs(electron) });
  registerIpc(ipcMain as unknown as IpcMainLike, host, paths.rendererUrl);

  const createWindow = (): void => {
    const win = new BrowserWindow(createWindowOptions(paths.preload));
    forwardEvents(host, win.webContents);
    win.once('ready-to-show', () => win.show());
    void win.loadURL(paths.rendererUrl);
  };
  createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  // Job processes do not outlive the studio: the running one stops as a crash would (its records say so).
  app.on('will-quit', () => void host.dispose());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
