import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiClient } from '../../shared/api/client';
import type { CallName, CallOutput, EventName, EventPayload } from '../../shared/api/contract';
import type { StudioError } from '../../shared/errors';

const ApiContext = createContext<ApiClient | null>(null);

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi() outside <ApiProvider>');
  return client;
}

export type CallState<T> = { status: 'loading' } | { status: 'ok'; data: T } | { status: 'error'; error: StudioError };

/** Runs one input-less call on mount; views with inputs call `useApi().call` directly. */
export function useCall<K extends CallName>(name: K): CallState<CallOutput<K>> {
  const api = useApi();
  const [state, setState] = useState<CallState<CallOutput<K>>>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    (api.call as (n: K) => Promise<CallOutput<K>>)(name).then(
      (data) => live && setState({ status: 'ok', data }),
      (error: StudioError) => live && setState({ status: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [api, name]);
  return state;
}

/** Subscribes to one event stream for the component's lifetime. */
export function useEvent<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): void {
  const api = useApi();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => api.on(event, (p) => ref.current(p)), [api, event]);
}
