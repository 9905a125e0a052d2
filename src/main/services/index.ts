/**
 * The services host: one typed handler per contract call, shared by both transports.
 *
 * Feature services live in `src/main/services/<feature>.ts` and export a partial handler map:
 *
 *   export const datasetHandlers = {
 *     'datasets.list': async (input, ctx) => { ... },
 *   } satisfies HandlerMap;
 *
 * and are plugged in with ONE line in `handlers` below. The `satisfies Handlers` check makes
 * the typecheck fail while a contract call has no handler.
 */
import { calls, isCallName, type CallName, type CallOutput, type CallParsedInput, type Shell } from '../../shared/api/contract';
import type { WireResult } from '../../shared/api/channels';
import { createEventBus, type EventBus } from '../../shared/api/bus';
import { describeIssues, errorToWire } from '../../shared/api/wire';
import { StudioError } from '../../shared/errors';
import { appHandlers } from './app';
import { datasetHandlers } from './datasets';
import { sweepHandlers } from './sweep';
import { exportHandlers, recoverExports } from './export';
import { trainingHandlers } from './training';
import { predictHandlers } from './predict';

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
/** What a feature module exports: handlers for some calls. */
export type HandlerMap = Partial<Handlers>;

export const handlers = {
  ...appHandlers,
  ...datasetHandlers,
  ...sweepHandlers,
  ...exportHandlers,
  ...trainingHandlers,
  ...predictHandlers,
} satisfies Handlers;

export interface ServiceHost {
  readonly shell: Shell;
  readonly events: EventBus;
  /** Validates the raw input, runs the handler, and never throws: failures come back as wire errors. */
  invoke(name: string, rawInput: unknown): Promise<WireResult>;
}

export interface ServiceHostOptions {
  shell: Shell;
  /** Replace handlers (tests); defaults to every registered service. */
  handlers?: Partial<Handlers>;
  dialogs?: Dialogs;
}

export function createServiceHost(options: ServiceHostOptions): ServiceHost {
  const events = createEventBus();
  const table: Partial<Handlers> = { ...handlers, ...options.handlers };
  const ctx: ServiceContext = { shell: options.shell, events, ...(options.dialogs ? { dialogs: options.dialogs } : {}) };
  void recoverExports();

  async function run(name: string, rawInput: unknown): Promise<unknown> {
    if (!isCallName(name)) {
      throw new StudioError({
        code: 'not-found',
        what: `Unknown API call "${name}"`,
        hint: `Known calls: ${Object.keys(calls).join(', ')}.`,
      });
    }
    const parsed = calls[name].input.safeParse(rawInput);
    if (!parsed.success) {
      throw new StudioError({
        code: 'bad-input',
        what: `Invalid input for ${name}: ${describeIssues(parsed.error.issues)}`,
        hint: 'Check the request against src/shared/api/contract.ts.',
      });
    }
    const handler = table[name] as ((input: unknown, ctx: ServiceContext) => Promise<unknown>) | undefined;
    if (!handler) {
      throw new StudioError({ code: 'unsupported', what: `No service handles ${name}`, hint: 'Register its handler in src/main/services/index.ts.' });
    }
    return handler(parsed.data, ctx);
  }

  return {
    shell: options.shell,
    events,
    async invoke(name, rawInput) {
      try {
        return { ok: true, result: await run(name, rawInput) };
      } catch (e) {
        return { ok: false, error: errorToWire(e) };
      }
    },
  };
}
