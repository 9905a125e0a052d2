// The Electron binary is not installed in CI, so the shell's security decisions are pure
// functions tested here; src/main/electron/app.ts only wires them to Electron's events.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createWindowOptions } from '../../../../src/main/electron/window';
import {
  allowNavigation,
  ELECTRON_CSP,
  isRendererUrl,
  isTrustedSender,
  windowOpenDecision,
  withCsp,
} from '../../../../src/main/electron/security';
import { forwardEvents, registerIpc, type IpcMainLike } from '../../../../src/main/electron/ipc';
import { shellPaths } from '../../../../src/main/electron/app';
import { createServiceHost } from '../../../../src/main/services';
import { calls } from '../../../../src/shared/api/contract';
import type { WireEvent, WireResult } from '../../../../src/shared/api/channels';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const RENDERER = 'file:///opt/var-studio/out/renderer/index.html';

describe('window factory', () => {
  it('locks down every window it makes', () => {
    const o = createWindowOptions('/opt/p/preload.cjs');
    expect(o.webPreferences).toMatchObject({
      preload: '/opt/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('the Electron entry creates windows only through the factory', async () => {
    const files = walk('src/main');
    const creators = files.filter((f) => /new\s+BrowserWindow\s*\(/.test(readFileSync(f, 'utf8')));
    expect(creators).toEqual(['src/main/electron/app.ts']);
    expect(readFileSync('src/main/electron/app.ts', 'utf8')).toMatch(/new BrowserWindow\(createWindowOptions\(/);
  });
});

describe('navigation and sender checks', () => {
  it('recognises only our renderer page', () => {
    expect(isRendererUrl(RENDERER, RENDERER)).toBe(true);
    expect(isRendererUrl(`${RENDERER}#/train`, RENDERER)).toBe(true);
    expect(isRendererUrl('file:///etc/passwd', RENDERER)).toBe(false);
    expect(isRendererUrl('https://evil.example/index.html', RENDERER)).toBe(false);
    expect(isRendererUrl('not a url', RENDERER)).toBe(false);
    expect(isRendererUrl('http://localhost:5173/x', 'http://localhost:5173/')).toBe(true);
    expect(isRendererUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
  });

  it('accepts IPC only from the top frame of our page', () => {
    expect(isTrustedSender({ url: RENDERER, parent: null }, RENDERER)).toBe(true);
    expect(isTrustedSender({ url: RENDERER, parent: {} }, RENDERER)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, RENDERER)).toBe(false);
    expect(isTrustedSender(null, RENDERER)).toBe(false);
  });

  it('blocks navigation away and every new window', () => {
    expect(allowNavigation('https://evil.example/', RENDERER)).toBe(false);
    expect(allowNavigation('file:///tmp/x.html', RENDERER)).toBe(false);
    expect(allowNavigation(RENDERER, RENDERER)).toBe(true);
    expect(windowOpenDecision('https://doi.org/10.1/x')).toEqual({ action: 'deny', openExternally: true });
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: false });
    expect(windowOpenDecision('javascript:alert(1)')).toEqual({ action: 'deny', openExternally: false });
  });

  it('forces the strict CSP on every response', () => {
    const h = withCsp({ 'content-security-policy': ['default-src *'], 'X-Other': 'a' });
    expect(h['Content-Security-Policy']).toEqual([ELECTRON_CSP]);
    expect(h['content-security-policy']).toBeUndefined();
    expect(h['X-Other']).toEqual(['a']);
    expect(ELECTRON_CSP).toContain("script-src 'self'");
    expect(ELECTRON_CSP).not.toContain('unsafe-inline');
    expect(ELECTRON_CSP).not.toMatch(/script-src[^;]*'unsafe-eval'/);
  });

  it('finds preload and renderer next to the built main bundle', () => {
    const p = shellPaths(pathToFileURL('/opt/app/out/main/index.js').href, {});
    expect(p.preload).toBe('/opt/app/out/preload/index.cjs');
    expect(p.rendererUrl).toBe('file:///opt/app/out/renderer/index.html');
  });
});

describe('IPC transport', () => {
  function fakeIpc() {
    const handlers = new Map<string, Parameters<IpcMainLike['handle']>[1]>();
    const ipc: IpcMainLike = { handle: (c, l) => void handlers.set(c, l), removeHandler: (c) => void handlers.delete(c) };
    return { ipc, handlers };
  }

  it('registers one channel per contract call and removes them again', () => {
    const { ipc, handlers } = fakeIpc();
    const off = registerIpc(ipc, createServiceHost({ shell: 'electron' }), RENDERER);
    expect([...handlers.keys()].sort()).toEqual(
      Object.keys(calls)
        .map((n) => `var-studio:call:${n}`)
        .sort(),
    );
    off();
    expect(handlers.size).toBe(0);
  });

  it('answers our renderer and refuses any other frame', async () => {
    const { ipc, handlers } = fakeIpc();
    registerIpc(ipc, createServiceHost({ shell: 'electron' }), RENDERER);
    const ping = handlers.get('var-studio:call:app.ping')!;
    const ok: WireResult = await ping({ senderFrame: { url: RENDERER, parent: null } }, { message: 'hi' });
    expect(ok).toMatchObject({ ok: true, result: { message: 'hi' } });
    const bad = await ping({ senderFrame: { url: 'https://evil.example/', parent: null } }, { message: 'hi' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input', what: expect.stringContaining('untrusted') } });
    const invalid = await ping({ senderFrame: { url: RENDERER, parent: null } }, { message: 1 });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('forwards service events to the window until it is destroyed', async () => {
    const host = createServiceHost({ shell: 'electron' });
    const sent: WireEvent[] = [];
    let destroyed = false;
    forwardEvents(host, { send: (_c, m) => sent.push(m), isDestroyed: () => destroyed });
    await host.invoke('app.ping', { message: 'a', emitProgress: true });
    destroyed = true;
    await host.invoke('app.ping', { message: 'b', emitProgress: true });
    await host.invoke('app.ping', { message: 'c', emitProgress: true });
    expect(sent.map((m) => (m.payload as { message: string }).message)).toEqual(['a']);
  });
});
