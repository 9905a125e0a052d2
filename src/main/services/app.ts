/** The app-info service: who we are, which shell, which compute backend. */
import { arch, platform } from 'node:process';
import pkg from '../../../package.json';
import type { BackendInfo, CallName } from '../../shared/api/contract';
import type { Service } from './types';

type AppCall = Extract<CallName, `app.${string}`>;

export function createAppService(): Service<AppCall> {
  let backend: Promise<BackendInfo> | undefined;

  /** Probed once: the answer cannot change without a restart. */
  function backendInfo(): Promise<BackendInfo> {
    // Lazy import: the probe pulls in tfjs, which `var-studio --help` should not pay for.
    backend ??= import('../../node/compute/backend').then((m) => m.probeBackend(undefined, { log: () => {} }));
    backend.catch(() => (backend = undefined));
    return backend;
  }

  const handlers: Service<AppCall>['handlers'] = {
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
  };
  return { handlers };
}
