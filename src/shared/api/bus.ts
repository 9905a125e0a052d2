/**
 * The event bus between services and transports. Services emit typed, validated events;
 * each transport (IPC, WebSocket) subscribes once and forwards everything to its clients.
 */
import { events, type EventName, type EventPayload } from './contract';
import { StudioError } from '../errors';
import { describeIssues } from './wire';

export type BusListener = (event: EventName, payload: unknown) => void;

export interface EventBus {
  emit<K extends EventName>(event: K, payload: EventPayload<K>): void;
  /** Receives every event; returns the unsubscribe function. */
  subscribe(listener: BusListener): () => void;
}

export function createEventBus(): EventBus {
  const listeners = new Set<BusListener>();
  return {
    emit(event, payload) {
      // Validate at the source: a malformed event is a service bug and should fail loudly there.
      const parsed = events[event].safeParse(payload);
      if (!parsed.success) {
        throw new StudioError({
          code: 'internal',
          what: `Event ${event} has an invalid payload (${describeIssues(parsed.error.issues)})`,
          hint: 'This is a bug in the service that emitted it.',
        });
      }
      for (const l of [...listeners]) {
        try {
          l(event, parsed.data);
        } catch {
          // One broken transport must not stop the others from receiving the event.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
