/**
 * The renderer's API client. Picks the Electron bridge when the preload exposed one, else the
 * browser-mode HTTP/WebSocket transport. Nothing else in the renderer knows which it got.
 */
import { createApiClient, type ApiClient, type Transport } from '../../shared/api/client';
import type { VarStudioBridge } from '../../shared/api/channels';
import { createHttpTransport, takeToken } from './http';

declare global {
  interface Window {
    varStudio?: VarStudioBridge<File>;
  }
}

function bridgeTransport(bridge: VarStudioBridge<File>): Transport {
  return { shell: 'electron', invoke: (name, input) => bridge.call(name, input), on: (event, l) => bridge.on(event, l) };
}

export function createClient(): ApiClient {
  const bridge = window.varStudio;
  return createApiClient(bridge ? bridgeTransport(bridge) : createHttpTransport(window.location.origin, takeToken()));
}

export type { ApiClient };
