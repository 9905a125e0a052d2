import type { StudioError } from '../../shared/errors';
import type { CliIO } from './types';

/** Prints a StudioError the way the app shows it (file and what, then the hint); returns the exit code. */
export function reportStudioError(e: StudioError, io: CliIO): number {
  io.err(`Error: ${e.file ? `${e.file}: ` : ''}${e.what}.`);
  io.err(e.hint);
  return e.code === 'cancelled' ? 130 : 1;
}
