/** Browser-mode transport: HTTP POST per call, one WebSocket for all events. */
import type { Transport } from '../../shared/api/client';
import { CALL_PATH_PREFIX, EVENTS_PATH, TOKEN_HEADER, TOKEN_QUERY, type WireResult } from '../../shared/api/channels';

const STORAGE_KEY = 'var-studio.token';

/**
 * The token arrives once in the page URL (?token=...). Keep it for this tab only and strip it
 * from the address bar so it does not end up in history, bookmarks or screenshots.
 */
export function takeToken(): string | undefined {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(TOKEN_QUERY);
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete(TOKEN_QUERY);
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

const noToken: WireResult = {
  ok: false,
  error: {
    code: 'bad-input',
    what: 'This page was opened without its access token',
    hint: 'Open the full address printed by `npm start` (it ends with ?token=...).',
  },
};

export function createHttpTransport(origin: string, token: string | undefined): Transport {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: WebSocket | undefined;
  let retry = 500;

  function connect(): void {
    if (!token || socket) return;
    const wsUrl = new URL(EVENTS_PATH, origin);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.searchParams.set(TOKEN_QUERY, token);
    const ws = new WebSocket(wsUrl);
    socket = ws;
    ws.onopen = () => (retry = 500);
    ws.onmessage = (m) => {
      let msg: { event?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (typeof msg.event === 'string') for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    };
    ws.onclose = () => {
      socket = undefined;
      // Reconnect with back-off while anyone still listens (server restarts, laptop sleep).
      if ([...listeners.values()].some((s) => s.size > 0)) setTimeout(connect, (retry = Math.min(retry * 2, 10_000)));
    };
  }

  return {
    shell: 'browser',
    async invoke(name, input) {
      if (!token) return noToken;
      let res: Response;
      try {
        res = await fetch(new URL(CALL_PATH_PREFIX + encodeURIComponent(name), origin), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
          body: input === undefined ? '' : JSON.stringify(input),
        });
      } catch {
        return {
          ok: false,
          error: {
            code: 'internal',
            what: 'The studio server is not reachable',
            hint: 'Check that `npm start` is still running, then reload.',
          },
        };
      }
      try {
        return (await res.json()) as WireResult;
      } catch {
        return {
          ok: false,
          error: { code: 'internal', what: `The studio server answered ${res.status} without a JSON body`, hint: 'Reload the page.' },
        };
      }
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      connect();
      return () => {
        set.delete(listener);
      };
    },
  };
}
