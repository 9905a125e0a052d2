/**
 * Browser mode: the studio services behind node:http + ws, the built renderer as static files.
 *
 *   POST /api/call/<name>   JSON input  ->  WireResult   (header x-var-studio-token)
 *   GET  /api/events        WebSocket, every bus event as WireEvent JSON (?token=... or subprotocol)
 *   GET  /*                 out/renderer
 *
 * Every request must address us by our own Host; API requests and sockets need the token and,
 * when a browser sends an Origin, our own Origin.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CALL_PATH_PREFIX,
  EVENTS_PATH,
  TOKEN_HEADER,
  TOKEN_PROTOCOL_PREFIX,
  TOKEN_QUERY,
  type WireError,
  type WireEvent,
} from '../../shared/api/channels';
import type { StudioErrorCode } from '../../shared/errors';
import type { ServiceHost } from '../services';
import { allowedHosts, contentSecurityPolicy, hostAllowed, originAllowed, tokensEqual } from './security';
import { serveStatic } from './static';

/** GET: `{ ok: true }` while the server's event loop answers. */
export const HEALTH_PATH = '/api/health';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  services: ServiceHost;
  token: string;
  /** Folder with the built renderer (index.html). */
  rendererDir: string;
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  maxBodyBytes?: number;
}

export interface RunningServer {
  host: string;
  port: number;
  /** Address to open, with the token: http://127.0.0.1:<port>/?token=... */
  url: string;
  close(): Promise<void>;
}

/**
 * Client mistakes (bad input, bad or unsupported files) are 4xx; only the studio's own failures are
 * 5xx. Every code has its status (the type makes a new code choose one).
 */
const STATUS: Record<StudioErrorCode, number> = {
  'bad-input': 400,
  'not-found': 404,
  exists: 409,
  busy: 409,
  cancelled: 409,
  'too-large': 413,
  unsupported: 415,
  'bad-file': 422,
  mismatch: 422,
  backend: 503,
  internal: 500,
};

function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...securityHeaders(), 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: WireError): void {
  sendJson(res, status, { ok: false, error });
}

const denied = {
  host: {
    code: 'bad-input',
    what: 'Request addressed to a foreign host name',
    hint: 'Open the studio through the address printed by `npm start`.',
  },
  origin: {
    code: 'bad-input',
    what: 'Request from a foreign web page (Origin header)',
    hint: 'Only the studio page itself may call the studio API.',
  },
  token: {
    code: 'bad-input',
    what: 'Missing or wrong access token',
    hint: 'Open the full address printed by `npm start` (it ends with ?token=...).',
  },
} satisfies Record<string, WireError>;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      resolveBody('too-large');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolveBody(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { services, token } = options;
  let allowed = new Set<string>();

  async function handleCall(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendError(res, 405, { code: 'bad-input', what: `${req.method} is not allowed on the API`, hint: 'Use POST with a JSON body.' });
      return;
    }
    const body = await readBody(req, limit);
    if (body === 'too-large') {
      sendError(res, 413, { code: 'too-large', what: `Request body larger than ${limit} bytes`, hint: 'Send files by path, not inline.' });
      return;
    }
    let input: unknown;
    try {
      input = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
    } catch {
      sendError(res, 400, { code: 'bad-input', what: 'Request body is not valid JSON', hint: 'Send the call input as a JSON document.' });
      return;
    }
    const result = await services.invoke(name, input);
    sendJson(res, result.ok ? 200 : (STATUS[result.error.code as StudioErrorCode] ?? 500), result);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, allowed)) return sendError(res, 403, denied.host);
    const url = new URL(req.url ?? '/', 'http://placeholder');
    // Liveness only (no data, so no token): answers as long as the event loop is free.
    if (url.pathname === HEALTH_PATH && req.method === 'GET') return sendJson(res, 200, { ok: true });
    if (url.pathname.startsWith('/api/')) {
      if (!originAllowed(req.headers.origin, allowed)) return sendError(res, 403, denied.origin);
      const given = req.headers[TOKEN_HEADER];
      if (!tokensEqual(Array.isArray(given) ? given[0] : given, token)) return sendError(res, 401, denied.token);
      if (url.pathname.startsWith(CALL_PATH_PREFIX)) {
        let name: string;
        try {
          name = decodeURIComponent(url.pathname.slice(CALL_PATH_PREFIX.length));
        } catch {
          return sendError(res, 400, {
            code: 'bad-input',
            what: `Malformed %-escape in ${url.pathname}`,
            hint: `Calls are POST ${CALL_PATH_PREFIX}<name>.`,
          });
        }
        return handleCall(req, res, name);
      }
      return sendError(res, 404, {
        code: 'not-found',
        what: `No API endpoint ${url.pathname}`,
        hint: `Calls are POST ${CALL_PATH_PREFIX}<name>.`,
      });
    }
    // Static files are the public build output (no user data), so they need only the Host check;
    // the page then uses the token from its URL for every API request.
    if ((req.method === 'GET' || req.method === 'HEAD') && (await serveStatic(options.rendererDir, url.pathname, res, securityHeaders())))
      return;
    sendError(res, 404, { code: 'not-found', what: `Nothing at ${url.pathname}`, hint: 'Open / with the token from `npm start`.' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent)
        sendError(res, 500, {
          code: 'internal',
          what: `Server error: ${e instanceof Error ? e.message : String(e)}`,
          hint: 'Retry; restart the studio if it persists.',
        });
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // Echo our subprotocol back when the client authenticated with it, as browsers require.
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX)) ?? false,
  });
  const sockets = new Set<WebSocket>();

  function rejectUpgrade(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (!hostAllowed(req.headers.host, allowed)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (!originAllowed(req.headers.origin, allowed)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (url.pathname !== EVENTS_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const fromProtocol = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))?.slice(TOKEN_PROTOCOL_PREFIX.length);
    const given = url.searchParams.get(TOKEN_QUERY) ?? fromProtocol;
    if (!tokensEqual(given, token)) return rejectUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // The socket is one-way (server -> page); anything the page sends is ignored.
      ws.on('message', () => {});
    });
  });

  const unsubscribe = services.events.subscribe((event, payload) => {
    const text = JSON.stringify({ event, payload } satisfies WireEvent);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    host,
    port,
    url: `http://${shownHost}:${port}/?${TOKEN_QUERY}=${token}`,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
