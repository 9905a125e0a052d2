/**
 * Pure security decisions for the Electron shell. Kept free of the electron module so unit tests
 * can prove them without the Electron binary; ./app.ts wires them to the real events.
 */
import { CONTENT_SECURITY_POLICY_HEADER } from '../../shared/api/csp';

/** Same policy as browser mode and the meta tag injected into index.html (src/shared/api/csp.ts). */
export const ELECTRON_CSP = CONTENT_SECURITY_POLICY_HEADER;

function parse(url: string | undefined | null): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True when `url` is our renderer page (the file we loaded, or the dev server's origin). */
export function isRendererUrl(url: string | undefined | null, rendererUrl: string): boolean {
  const u = parse(url);
  const r = parse(rendererUrl);
  if (!u || !r) return false;
  if (r.protocol === 'file:') return u.protocol === 'file:' && u.pathname === r.pathname;
  return u.origin === r.origin;
}

export interface SenderFrameLike {
  url: string;
  /** null for the top-level frame. */
  parent: unknown;
}

/** IPC sender check: only the top frame of our own renderer page may call the services. */
export function isTrustedSender(frame: SenderFrameLike | null | undefined, rendererUrl: string): boolean {
  return !!frame && frame.parent === null && isRendererUrl(frame.url, rendererUrl);
}

/** In-app navigation is never allowed; a reload of our own page is. */
export function allowNavigation(url: string, rendererUrl: string): boolean {
  return isRendererUrl(url, rendererUrl);
}

/** New windows are always denied; https links are handed to the system browser instead. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: parse(url)?.protocol === 'https:' };
}

/** Response headers with our CSP forced on, replacing whatever the response carried. */
export function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [ELECTRON_CSP];
  return out;
}

/**
 * Permission checks and requests (camera, microphone, geolocation, notifications, clipboard
 * reads, MIDI, HID, serial ...): the studio needs none, so every one is refused, for our own page
 * too. A feature that needs one must be added here on purpose.
 */
export function permissionAllowed(_permission: string, _requestingUrl?: string): boolean {
  return false;
}

export interface SingleInstanceApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  on(event: 'second-instance', listener: () => void): unknown;
}

/**
 * One studio per user: a second start hands over to the first (which shows its window) and quits,
 * so two instances never train or export into the same run store at once. Returns false when this
 * instance must stop.
 */
export function enforceSingleInstance(app: SingleInstanceApp, focusExisting: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', focusExisting);
  return true;
}
