/** Where a CLI command writes; injected so tests can capture output. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /** True when stdout is a terminal (progress bars are drawn only then). */
  isTTY: boolean;
  /** Aborted on Ctrl-C; long commands stop cleanly and keep their checkpoints. */
  signal: AbortSignal;
}

/** One `var-studio <name>` subcommand. Commands plug into `registry.ts`; nothing else wires them. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}
