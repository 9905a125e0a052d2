/**
 * How every command reads its arguments: node's `parseArgs`, with a mistake in them (an unknown
 * flag, a missing value) turned into a bad-input StudioError that points to the command's --help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StudioError } from '../../shared/errors';

export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new StudioError({
      code: 'bad-input',
      what: e instanceof Error ? e.message : String(e),
      hint: `Run \`var-studio ${command} --help\``,
    });
  }
}
