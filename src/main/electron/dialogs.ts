/** The services' `dialogs` capability, backed by Electron's native open dialog. */
import type * as Electron from 'electron';
import type { Dialogs } from '../services';

type ElectronModule = typeof Electron;

export function electronDialogs(electron: Pick<ElectronModule, 'dialog' | 'BrowserWindow'>): Dialogs {
  const { dialog, BrowserWindow } = electron;
  async function open(properties: Electron.OpenDialogOptions['properties'], title: string): Promise<string[]> {
    const options: Electron.OpenDialogOptions = { title, properties };
    // Modal to the studio window when there is one, so the dialog cannot hide behind it.
    const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return result.canceled ? [] : result.filePaths;
  }
  return {
    pickFolder: async () => (await open(['openDirectory'], 'Open a scan folder'))[0],
    pickFiles: () => open(['openFile', 'multiSelections'], 'Open scan files'),
  };
}
