/**
 * The one progress abstraction of every long operation (training, sweep, export, flatness,
 * data checks), after VS Code's `IProgress<T>`: the operation calls `report` with values of its
 * own step type T; the caller turns them into a bar, an API event, a message to the host process
 * or a log line. Jobs report `ProgressStep`s, so one ETA rule applies to all.
 */
export interface IProgress<T> {
  report(step: T): void;
}

/** What every job's progress says: how far, and when known, which step of how many and how long still. */
export interface ProgressStep {
  /** 0..1 */
  fraction: number;
  step?: number;
  totalSteps?: number;
  etaSeconds?: number;
  message?: string;
}

/** Step of an operation that counts items (files, slices, cases). */
export interface CountStep {
  /** What is being done, e.g. "Decoding slices". */
  task: string;
  done: number;
  total: number;
  /** The item just finished (a case id or file). */
  item?: string;
}

export const NO_PROGRESS: IProgress<unknown> = { report() {} };

/**
 * The one ETA rule: the rate so far (`done` units in `elapsedSeconds`) applied to the `remaining`
 * units. Undefined until some work is done, so no ETA is invented from nothing.
 */
export function etaSeconds(elapsedSeconds: number, done: number, remaining: number): number | undefined {
  if (!(done > 0) || !(elapsedSeconds >= 0)) return undefined;
  return Math.max(0, (elapsedSeconds / done) * remaining);
}
