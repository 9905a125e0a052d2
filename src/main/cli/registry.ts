/**
 * Every `var-studio <command>`. To add one: write `commands/<name>.ts` exporting a CliCommand,
 * then add one import line and one array entry here.
 */
import type { CliCommand } from './types';
import { serveCommand } from './commands/serve';
import { inspectCommand } from './commands/inspect';
import { phantomsCommand } from './commands/phantoms';
import { exportCommand } from './commands/export';
import { experimentCommand } from './commands/experiment';
import { benchCommand } from './commands/bench';
import { predictCommand } from './commands/predict';
import { sweepCommand } from './commands/sweep';

export const commands: readonly CliCommand[] = [
  serveCommand,
  inspectCommand,
  phantomsCommand,
  sweepCommand,
  exportCommand,
  predictCommand,
  experimentCommand,
  benchCommand,
];

export function findCommand(name: string): CliCommand | undefined {
  return commands.find((c) => c.name === name);
}
