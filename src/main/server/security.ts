/**
 * Browser-mode access control. The server is reachable by every web page the user opens
 * (via fetch to 127.0.0.1) and by DNS-rebinding tricks, so every API request must carry the
 * per-start token AND come with our own Host and (when present) our own Origin.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../shared/api/csp';

export const TOKEN_ENV = 'VAR_STUDIO_TOKEN';
const MIN_TOKEN_LENGTH = 16;

/** 32 random bytes, hex: URL-safe and a valid WebSocket subprotocol token. */
export function createToken(): string {
  return randomBytes(32).toString('hex');
}

/** The token to use: VAR_STUDIO_TOKEN when set (tests, scripted use), else a fresh random one. */
export function resolveToken(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv === undefined || fromEnv === '') return createToken();
  if (fromEnv.length < MIN_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(fromEnv)) {
    throw new Error(`${TOKEN_ENV} must be at least ${MIN_TOKEN_LENGTH} characters of [A-Za-z0-9_-]`);
  }
  return fromEnv;
}

export function tokensEqual(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

/** Host header values (`name:port`) under which this server may legitimately be addressed. */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (!isLoopback(bindHost)) {
    // Reachable from the network on purpose (--host): accept the names the machine answers to.
    if (bindHost !== '0.0.0.0' && bindHost !== '::') names.add(bindHost.includes(':') ? `[${bindHost}]` : bindHost);
    names.add(hostname());
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address}]` : a.address);
    }
  }
  return new Set([...names].map((n) => `${n.toLowerCase()}:${port}`));
}

export function hostAllowed(hostHeader: string | undefined, allowed: Set<string>): boolean {
  return typeof hostHeader === 'string' && allowed.has(hostHeader.toLowerCase());
}

/** Absent Origin = not a browser page (curl, scripts with the token): allowed. Present: must be ours. */
export function originAllowed(origin: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && allowed.has(url.host.toLowerCase());
}

/** The renderer's CSP as a response header (src/shared/api/csp.ts is the single source). */
export function contentSecurityPolicy(): string {
  return CONTENT_SECURITY_POLICY_HEADER;
}
