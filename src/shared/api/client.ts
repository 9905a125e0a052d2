/**
 * The typed client over any transport. The renderer (and tests) use this; they never see whether
 * the bytes travel over Electron IPC or HTTP/WebSocket.
 */
import { calls, events, type CallInput, type CallName, type CallOutput, type EventName, type EventPayload, type Shell } from './contract';
import type { WireResult } from './channels';
import { StudioError } from '../errors';
import { describeIssues, wireToError } from './wire';

/** What a shell must provide: raw invoke + raw event subscription. */
export interface Transport {
  shell: Shell;
  invoke(name: string, input: unknown): Promise<WireResult>;
  /** Subscribe to one event name with raw (unvalidated) payloads. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}

export interface ApiClient {
  shell: Shell;
  call<K extends CallName>(name: K, ...input: undefined extends CallInput<K> ? [CallInput<K>?] : [CallInput<K>]): Promise<CallOutput<K>>;
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void;
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    shell: transport.shell,
    async call(name, ...rest) {
      const res = await transport.invoke(name, rest[0]);
      if (!res.ok) throw wireToError(res.error);
      const parsed = calls[name].output.safeParse(res.result);
      if (!parsed.success) {
        throw new StudioError({
          code: 'mismatch',
          what: `The studio's answer to ${name} does not match the API contract (${describeIssues(parsed.error.issues)})`,
          hint: 'The renderer and the services are from different builds; run `npm run build` and restart.',
        });
      }
      return parsed.data as CallOutput<typeof name>;
    },
    on(event, listener) {
      return transport.on(event, (raw) => {
        const parsed = events[event].safeParse(raw);
        // An event that fails the contract is dropped rather than handed to views as garbage.
        if (parsed.success) listener(parsed.data as EventPayload<typeof event>);
      });
    },
  };
}
