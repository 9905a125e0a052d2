/** `var-studio serve`: browser mode, the studio services + renderer on a local HTTP server. */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../../shared/errors';
import { createServiceHost } from '../../services';
import { createConfinement } from '../../services/confine';
import { DEFAULT_HOST, startServer } from '../../server';
import { openInChromium } from '../../server/open';
import { isLoopback, resolveToken } from '../../server/security';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../args';

export const PORT_ENV = 'VAR_STUDIO_PORT';

/** out/renderer of this checkout, found from wherever the bundle (or source) lives. */
export function findRendererDir(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'out', 'renderer');
    if (dirname(dir) === dir) return undefined;
  }
}

function parsePort(raw: string | undefined, from: string): number {
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StudioError({
      code: 'bad-input',
      what: `Invalid port "${raw}" (${from})`,
      hint: 'Use a number from 1 to 65535, or 0 for any free port.',
    });
  }
  return port;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the studio in browser mode (local server + renderer)',
  usage: [
    'Usage: var-studio serve [--port N] [--host ADDR] [--no-open] [--allow-root DIR]... [--export-root DIR]...',
    '',
    `  --port N      port to listen on (default: $${PORT_ENV}, else any free port)`,
    `  --host ADDR   address to bind (default ${DEFAULT_HOST}; anything else exposes the studio to the network)`,
    '  --no-open     do not open the address in Chromium',
    '  --allow-root DIR   also allow reading and browsing DIR (default: your home folder and',
    '                $VAR_STUDIO_DATA_ROOT); repeatable. /proc, /sys and /dev are never read',
    '  --export-root DIR  also allow exports into DIR (default: the studio home with its run store)',
    '',
    'Every request needs the token printed in the address. VAR_STUDIO_TOKEN fixes it (scripts, tests).',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('serve', {
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'no-open': { type: 'boolean' },
        renderer: { type: 'string' },
        'allow-root': { type: 'string', multiple: true },
        'export-root': { type: 'string', multiple: true },
      },
      strict: true,
    });
    const port = values.port !== undefined ? parsePort(values.port, '--port') : parsePort(process.env[PORT_ENV], PORT_ENV);
    const host = values.host ?? DEFAULT_HOST;
    const rendererDir = values.renderer ? resolve(values.renderer) : findRendererDir();
    if (!rendererDir || !existsSync(join(rendererDir, 'index.html'))) {
      throw new StudioError({
        code: 'not-found',
        what: 'The built renderer (out/renderer/index.html) is missing',
        hint: 'Run `npm run build` (or `npm run setup`) first.',
      });
    }
    let token: string;
    try {
      token = resolveToken();
    } catch (e) {
      throw new StudioError({
        code: 'bad-input',
        what: e instanceof Error ? e.message : String(e),
        hint: 'Unset it to get a random token.',
      });
    }
    if (!isLoopback(host)) {
      io.err(
        `Warning: binding to ${host} makes the studio reachable from the network. Anyone with the token can use it; prefer an SSH tunnel to 127.0.0.1.`,
      );
    }

    for (const dir of [...(values['allow-root'] ?? []), ...(values['export-root'] ?? [])]) {
      if (!isAbsolute(dir) || !existsSync(dir))
        throw new StudioError({
          code: 'bad-input',
          file: dir,
          what: 'an allowed root must be an existing folder given by its full path',
          hint: 'e.g. --allow-root /data/scans',
        });
    }
    const confinement = createConfinement({ allowRoots: values['allow-root'] ?? [], exportRoots: values['export-root'] ?? [] });
    const services = createServiceHost({ shell: 'browser', confinement });
    let server;
    try {
      server = await startServer({ services, token, rendererDir, host, port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new StudioError({
        code: 'bad-input',
        what: code === 'EADDRINUSE' ? `Port ${port} is already in use` : `Cannot listen on ${host}:${port} (${(e as Error).message})`,
        hint: code === 'EADDRINUSE' ? 'Stop the other studio or pick another --port.' : 'Check --host and --port.',
      });
    }
    io.out('VAR Studio is running in browser mode.');
    io.out(`  Open: ${server.url}`);
    const info = await services.invoke('app.info', undefined);
    if (info.ok) {
      const b = (info.result as { backend: { name: string; detail: string } }).backend;
      io.out(`  Shell: Browser · Backend: ${b.name} (${b.detail})`);
    }
    if (!values['no-open']) io.out(`  ${openInChromium(server.url)}`);
    io.out('Press Ctrl-C to stop.');

    if (!io.signal.aborted) await new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }));
    await server.close();
    // Running jobs stop as a crash would (their records say so); queued ones are dropped.
    await services.dispose();
    io.out('Stopped.');
    return 0;
  },
};
