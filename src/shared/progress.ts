/**
 * The one progress abstraction for long operations (as VS Code's `IProgress<T>`): the operation
 * calls `report` with its own step type; the host turns steps into a bar, an event or a log line.
 */
export interface IProgress<T> {
  report(step: T): void;
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
