import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServiceHost } from '../../../../src/main/services';
import { startServer, type RunningServer } from '../../../../src/main/server';
import { resolveStaticPath } from '../../../../src/main/server/static';
import { allowedHosts, originAllowed, resolveToken } from '../../../../src/main/server/security';

const TOKEN = 'test-token-0123456789abcdef';
let server: RunningServer;
let dir: string;
let base: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method: opts.method ?? 'POST', path: opts.path, headers: { host: base, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const call = (name: string, input: unknown, headers: Record<string, string> = {}) =>
  send({
    path: `/api/call/${name}`,
    headers: { 'x-var-studio-token': TOKEN, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'var-studio-server-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  const services = createServiceHost({
    shell: 'browser',
    // app.info stubbed: the real backend probe is covered by the e2e test.
    handlers: {
      'app.info': async () => ({
        version: '0',
        shell: 'browser',
        backend: { name: 'cpu', detail: 'stub', fallbacks: [] },
        platform: 'test',
      }),
    },
  });
  server = await startServer({ services, token: TOKEN, rendererDir: join(dir, 'renderer'), port: 0, maxBodyBytes: 4096 });
  base = `127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('browser-mode server', () => {
  it('binds to loopback and prints a URL with the token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('answers a valid call with the token', async () => {
    const r = await call('app.ping', { message: 'hello' }, { origin: `http://${base}` });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, result: { message: 'hello' } });
  });

  it('accepts localhost as a Host name too', async () => {
    const r = await call('app.ping', { message: 'x' }, { host: `localhost:${server.port}` });
    expect(r.status).toBe(200);
  });

  it('rejects a request without token', async () => {
    const r = await send({ path: '/api/call/app.ping', body: '{"message":"x"}' });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'bad-input', what: expect.stringContaining('token') } });
  });

  it('rejects a wrong token, including one of the same length', async () => {
    expect((await call('app.ping', { message: 'x' }, { 'x-var-studio-token': 'nope' })).status).toBe(401);
    expect((await call('app.ping', { message: 'x' }, { 'x-var-studio-token': TOKEN.replace(/.$/, 'X') })).status).toBe(401);
  });

  it('does not take the token from the query string for API calls', async () => {
    const r = await send({ path: `/api/call/app.ping?token=${TOKEN}`, body: '{"message":"x"}' });
    expect(r.status).toBe(401);
  });

  it('rejects a foreign Origin even with the right token', async () => {
    const r = await call('app.ping', { message: 'x' }, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body).toContain('Origin');
    expect((await call('app.ping', { message: 'x' }, { origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await call('app.ping', { message: 'x' }, { origin: 'null' })).status).toBe(403);
  });

  it('rejects a foreign Host (DNS rebinding) on API and static files', async () => {
    const r = await call('app.ping', { message: 'x' }, { host: `evil.example:${server.port}` });
    expect(r.status).toBe(403);
    expect((await send({ method: 'GET', path: '/', headers: { host: `rebind.attacker.test:${server.port}` } })).status).toBe(403);
  });

  it('rejects an oversized body with 413', async () => {
    const r = await call('app.ping', { message: 'x'.repeat(5000) });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('too-large');
  });

  it('rejects an unknown call with 404', async () => {
    const r = await call('no.such.call', {});
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.code).toBe('not-found');
  });

  it('rejects an invalid payload with 400 naming the field', async () => {
    const r = await call('app.ping', { message: 12 });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toMatchObject({ code: 'bad-input', what: expect.stringContaining('message') });
    const notJson = await send({ path: '/api/call/app.ping', headers: { 'x-var-studio-token': TOKEN }, body: '{not json' });
    expect(notJson.status).toBe(400);
  });

  it('rejects GET on a call', async () => {
    const r = await send({ method: 'GET', path: '/api/call/app.info', headers: { 'x-var-studio-token': TOKEN } });
    expect(r.status).toBe(405);
  });

  it('serves the renderer with a CSP header and never escapes its root', async () => {
    const r = await send({ method: 'GET', path: '/' });
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(String(r.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect((await send({ method: 'GET', path: '/../secret.txt' })).status).toBe(404);
    expect((await send({ method: 'GET', path: '/%2e%2e/secret.txt' })).status).toBe(404);
    expect(resolveStaticPath('/srv/r', '/../x')).toBe('/srv/r/x');
    expect(resolveStaticPath('/srv/r', '/%2e%2e%2fx')).toBe('/srv/r/x');
  });

  describe('event socket', () => {
    const open = (url: string, opts: { protocols?: string[]; origin?: string } = {}) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, opts.protocols ?? [], { origin: opts.origin });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
        ws.once('error', reject);
      });

    it('rejects a socket without or with a wrong token', async () => {
      await expect(open(`ws://${base}/api/events`)).rejects.toThrow('401');
      await expect(open(`ws://${base}/api/events?token=wrong`)).rejects.toThrow('401');
    });

    it('rejects a socket from a foreign Origin', async () => {
      await expect(open(`ws://${base}/api/events?token=${TOKEN}`, { origin: 'http://evil.example' })).rejects.toThrow('403');
    });

    it('streams events to a socket with the token (query or subprotocol)', async () => {
      const a = await open(`ws://${base}/api/events?token=${TOKEN}`, { origin: `http://${base}` });
      const b = await open(`ws://${base}/api/events`, { protocols: [`var-studio-token.${TOKEN}`] });
      const got = (ws: WebSocket) => new Promise<unknown>((resolve) => ws.once('message', (m) => resolve(JSON.parse(String(m)))));
      const pa = got(a);
      const pb = got(b);
      await call('app.ping', { message: 'evt', emitProgress: true });
      const expected = { event: 'job.progress', payload: expect.objectContaining({ jobId: 'ping', message: 'evt' }) };
      expect(await pa).toEqual(expected);
      expect(await pb).toEqual(expected);
      a.close();
      b.close();
    });
  });
});

describe('access-control helpers', () => {
  it('allows only loopback names for a loopback bind', () => {
    const hosts = allowedHosts('127.0.0.1', 8080);
    expect([...hosts].sort()).toEqual(['127.0.0.1:8080', '[::1]:8080', 'localhost:8080']);
    expect(originAllowed(undefined, hosts)).toBe(true);
    expect(originAllowed('http://localhost:8080', hosts)).toBe(true);
    expect(originAllowed('https://localhost:8080', hosts)).toBe(false);
    expect(originAllowed('garbage', hosts)).toBe(false);
  });

  it('takes a fixed token from the environment only when it is long enough', () => {
    expect(resolveToken({ VAR_STUDIO_TOKEN: 'abcdefghijklmnop' })).toBe('abcdefghijklmnop');
    expect(() => resolveToken({ VAR_STUDIO_TOKEN: 'short' })).toThrow();
    const a = resolveToken({});
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveToken({})).not.toBe(a);
  });
});
