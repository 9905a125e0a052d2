/** Electron transport: one ipcMain.handle channel per contract call, events pushed to the window. */
import { calls } from '../../shared/api/contract';
import { CALL_CHANNEL_PREFIX, EVENT_CHANNEL, type WireEvent, type WireResult } from '../../shared/api/channels';
import type { ServiceHost } from '../services';
import { isTrustedSender, type SenderFrameLike } from './security';

/** The part of Electron's ipcMain we use; a structural type so tests can pass a fake. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: SenderFrameLike | null }, input: unknown) => Promise<WireResult>): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  send(channel: string, message: WireEvent): void;
  isDestroyed(): boolean;
}

/** Registers every call; returns a function that removes them again. */
export function registerIpc(ipcMain: IpcMainLike, host: ServiceHost, rendererUrl: string): () => void {
  const channels = Object.keys(calls).map((name) => {
    const channel = `${CALL_CHANNEL_PREFIX}${name}`;
    ipcMain.handle(channel, async (event, input) => {
      if (!isTrustedSender(event.senderFrame, rendererUrl)) {
        return {
          ok: false,
          error: {
            code: 'bad-input',
            what: `IPC call ${name} from an untrusted frame (${event.senderFrame?.url ?? 'unknown'})`,
            hint: 'Only the studio window may call the services.',
          },
        };
      }
      return host.invoke(name, input);
    });
    return channel;
  });
  return () => channels.forEach((c) => ipcMain.removeHandler(c));
}

/** Forwards every service event to one window until it is destroyed. */
export function forwardEvents(host: ServiceHost, contents: WebContentsLike): () => void {
  const unsubscribe = host.events.subscribe((event, payload) => {
    if (contents.isDestroyed()) return unsubscribe();
    contents.send(EVENT_CHANNEL, { event, payload });
  });
  return unsubscribe;
}
