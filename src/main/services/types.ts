/**
 * What the services host (src/main/services/index.ts) and every feature service share: the
 * handler types and the context a handler gets. Its own file so feature services never import
 * the host that composes them.
 */
import type { EventBus } from '../../shared/api/bus';
import type { CallName, CallOutput, CallParsedInput, Shell } from '../../shared/api/contract';

/** What every handler gets besides its input. */
export interface ServiceContext {
  shell: Shell;
  events: EventBus;
  /** Native file dialogs; only the Electron shell provides them (browser mode uses a folder browser). */
  dialogs?: Dialogs;
}

/** Native dialogs as a capability, so services never import electron. Cancel = undefined / []. */
export interface Dialogs {
  pickFolder(): Promise<string | undefined>;
  pickFiles(): Promise<string[]>;
}

export type Handler<K extends CallName> = (input: CallParsedInput<K>, ctx: ServiceContext) => Promise<CallOutput<K>>;
export type Handlers = { [K in CallName]: Handler<K> };
/** What a feature service provides: handlers for some calls. */
export type HandlerMap = Partial<Handlers>;

/** Every feature service: its handlers, and what to stop when the host shuts down. */
export interface Service<K extends CallName = CallName> {
  handlers: Pick<Handlers, K>;
  dispose?(): Promise<void> | void;
}
