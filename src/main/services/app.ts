/** The app-info service: who we are, which shell, which compute backend. */
import { arch, platform } from 'node:process';
import pkg from '../../../package.json';
import type { BackendInfo } from '../../shared/api/contract';
import type { HandlerMap } from './index';

let backend: Promise<BackendInfo> | undefined;

/** Probed once per process: the answer cannot change without a restart. */
function backendInfo(): Promise<BackendInfo> {
  // Lazy import: the probe pulls in tfjs, which `var-studio --help` should not pay for.
  backend ??= import('../../node/compute/backend').then((m) => m.probeBackend(undefined, { log: () => {} }));
  backend.catch(() => (backend = undefined));
  return backend;
}

export const appHandlers = {
  'app.info': async (_input, ctx) => ({
    version: pkg.version,
    shell: ctx.shell,
    backend: await backendInfo(),
    platform: `${platform} ${arch}`,
  }),
  'app.ping': async (input, ctx) => {
    if (input.emitProgress) {
      ctx.events.emit('job.progress', { jobId: 'ping', kind: 'ping', fraction: 1, message: input.message, state: 'done' });
    }
    return { message: input.message, receivedAt: new Date().toISOString() };
  },
} satisfies HandlerMap;
