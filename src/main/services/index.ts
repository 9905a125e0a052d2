/**
 * The services host: composes every feature service (factories, one set per host), validates
 * each call against the contract and routes it to its handler; both transports use it.
 *
 * A feature service is `create<Feature>Service(options): Service<its calls>` in
 * `src/main/services/<feature>.ts`, plugged in with ONE line in `createServiceHost` below. The
 * `satisfies Handlers` check makes the typecheck fail while a contract call has no handler.
 * Long operations are jobs of the one job service (src/main/services/jobs.ts).
 */
import { calls, isCallName, type Shell } from '../../shared/api/contract';
import type { WireResult } from '../../shared/api/channels';
import { createEventBus, type EventBus } from '../../shared/api/bus';
import { describeIssues, errorToWire } from '../../shared/api/wire';
import { StudioError } from '../../shared/errors';
import { createAppService } from './app';
import { createConfinement, type Confinement } from './confine';
import { createDatasetService, type DatasetServiceOptions } from './datasets';
import { createExportService } from './export';
import { createJobService } from './jobs';
import { createPredictService } from './predict';
import { createSweepService } from './sweep';
import { createTrainingService } from './training';
import type { Dialogs, Handlers, ServiceContext } from './types';

export type { Dialogs, Handler, HandlerMap, Handlers, ServiceContext } from './types';

export interface ServiceHost {
  readonly shell: Shell;
  readonly events: EventBus;
  /** Every call's handler (with the `handlers` option's replacements). */
  readonly handlers: Partial<Handlers>;
  /** Validates the raw input, runs the handler, and never throws: failures come back as wire errors. */
  invoke(name: string, rawInput: unknown): Promise<WireResult>;
  /** Drops queued jobs, stops the running one, closes open datasets (shutdown, tests). */
  dispose(): Promise<void>;
}

export interface ServiceHostOptions {
  shell: Shell;
  /** Replace handlers (tests). */
  handlers?: Partial<Handlers>;
  dialogs?: Dialogs;
  /** Runs root; default: resolved at every call from VAR_STUDIO_HOME. */
  runsRoot?: () => string;
  datasets?: DatasetServiceOptions;
  /** What browser mode may read and write (`serve --allow-root/--export-root`; tests make their own); default: the standard roots. */
  confinement?: Confinement;
}

export function createServiceHost(options: ServiceHostOptions): ServiceHost {
  const events = createEventBus();
  const runsRoot = options.runsRoot ? { runsRoot: options.runsRoot } : {};
  const confinement = options.confinement ?? createConfinement();
  const jobs = createJobService(events);
  const datasets = createDatasetService({ ...options.datasets, confinement });
  const services = [
    jobs,
    createAppService(),
    datasets,
    createTrainingService({ jobs, events, ...runsRoot, confinement, openDatasetRoots: () => datasets.registry.list().map((d) => d.root) }),
    createSweepService({ jobs, ...runsRoot }),
    createExportService({ jobs, ...runsRoot, confinement }),
    createPredictService({ jobs, ...runsRoot, confinement }),
  ];
  const all = Object.assign({}, ...services.map((s) => s.handlers)) satisfies Handlers;
  const table: Partial<Handlers> = { ...all, ...options.handlers };
  const ctx: ServiceContext = { shell: options.shell, events, ...(options.dialogs ? { dialogs: options.dialogs } : {}) };

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
      throw new StudioError({
        code: 'unsupported',
        what: `No service handles ${name}`,
        hint: 'Register its handler in src/main/services/index.ts.',
      });
    }
    return handler(parsed.data, ctx);
  }

  return {
    shell: options.shell,
    events,
    handlers: table,
    async invoke(name, rawInput) {
      try {
        return { ok: true, result: await run(name, rawInput) };
      } catch (e) {
        return { ok: false, error: errorToWire(e) };
      }
    },
    async dispose() {
      await Promise.all(services.map((s) => s.dispose?.()));
    },
  };
}
