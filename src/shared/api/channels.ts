/**
 * Transport constants shared by both shells. Kept free of zod so the sandboxed preload bundle
 * stays tiny (it may only forward, never validate).
 */

/** Electron: one `ipcMain.handle` channel per call, `${CALL_CHANNEL_PREFIX}${callName}`. */
export const CALL_CHANNEL_PREFIX = 'var-studio:call:';
/** Electron: main -> renderer events, payload `WireEvent`. */
export const EVENT_CHANNEL = 'var-studio:event';

/** Browser mode: header that carries the per-start token on every API request. */
export const TOKEN_HEADER = 'x-var-studio-token';
/** Browser mode: query parameter carrying the token (page URL and WebSocket URL). */
export const TOKEN_QUERY = 'token';
/** Browser mode: `POST ${CALL_PATH_PREFIX}${callName}` with the JSON input as body. */
export const CALL_PATH_PREFIX = '/api/call/';
/** Browser mode: WebSocket endpoint that streams every event. */
export const EVENTS_PATH = '/api/events';
/** Browser mode: WebSocket subprotocol alternative to the query token: `${TOKEN_PROTOCOL_PREFIX}${token}`. */
export const TOKEN_PROTOCOL_PREFIX = 'var-studio-token.';

/** Error as it crosses a transport: StudioError's fields, nothing else. */
export interface WireError {
  code: string;
  what: string;
  hint: string;
  file?: string;
}

export type WireResult = { ok: true; result: unknown } | { ok: false; error: WireError };

export interface WireEvent {
  event: string;
  payload: unknown;
}

/**
 * The one object the preload exposes as `window.varStudio`. `DroppedFile` is the DOM's `File` in the
 * preload and the renderer; this folder compiles without the DOM, so it names the type only there.
 */
export interface VarStudioBridge<DroppedFile = never> {
  shell: 'electron';
  versions: { electron: string; chrome: string; node: string };
  call(name: string, input: unknown): Promise<WireResult>;
  /** Subscribes to one event name; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** Real path of a dropped file (Electron's webUtils.getPathForFile); '' when it has none. */
  pathForFile(file: DroppedFile): string;
}
