/**
 * The only bridge between the sandboxed renderer and the services: ONE object, `window.varStudio`.
 * It forwards; validation happens in the services host (inputs) and the renderer client (outputs).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { CALL_CHANNEL_PREFIX, EVENT_CHANNEL, type VarStudioBridge, type WireEvent, type WireResult } from '../shared/api/channels';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT_CHANNEL, (_event, message: WireEvent) => {
  for (const l of listeners.get(message?.event) ?? []) l(message.payload);
});

const bridge: VarStudioBridge<File> = {
  shell: 'electron',
  versions: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '', node: process.versions.node },
  call(name, input): Promise<WireResult> {
    if (typeof name !== 'string' || !/^[a-z][A-Za-z0-9.]*$/.test(name)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'bad-input', what: `Invalid call name ${String(name)}`, hint: 'Use a name from src/shared/api/contract.ts.' },
      });
    }
    return ipcRenderer.invoke(`${CALL_CHANNEL_PREFIX}${name}`, input) as Promise<WireResult>;
  },
  on(event, listener) {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  },
  // Drag-and-drop in Electron opens files in place; only a real File object has a path.
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file);
    } catch {
      return '';
    }
  },
};

contextBridge.exposeInMainWorld('varStudio', bridge);
