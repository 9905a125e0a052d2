import { StudioError, type StudioErrorCode } from '../../shared/errors';
import type { CliIO } from './types';

/**
 * The exit code of a failed command: 130 when the user stopped it (as for Ctrl-C), 75 (sysexits'
 * EX_TEMPFAIL: try again later) when another process holds the lock of what it would write, so a
 * scheduler or script can tell "retry later" from "fix the input"; 1 otherwise.
 */
export function exitCodeOf(code: StudioErrorCode): number {
  return code === 'cancelled' ? 130 : code === 'busy' ? 75 : 1;
}

/** Prints a StudioError the way the app shows it (file and what, then the hint); returns the exit code. */
export function reportStudioError(e: StudioError, io: CliIO): number {
  io.err(`Error: ${e.file ? `${e.file}: ` : ''}${e.what}.`);
  io.err(e.hint);
  return exitCodeOf(e.code);
}

const FS_WHAT: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder where a file was expected',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EEXIST: 'the file already exists',
  EMFILE: 'too many open files',
};

/**
 * Any failure that is not a StudioError, as one: an operating-system error names its path and
 * says what it means; anything else is labelled a bug. The stack trace is never shown to the
 * user (set VAR_STUDIO_DEBUG=1 to print it).
 */
export function toStudioError(e: unknown): StudioError {
  if (e instanceof StudioError) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as NodeJS.ErrnoException;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof err.code === 'string' && FS_WHAT[err.code]) {
    return new StudioError({
      code: 'bad-input',
      ...(err.path ? { file: err.path } : {}),
      what: `${FS_WHAT[err.code]} (${err.code})`,
      hint: 'Check the path and its permissions, then try again',
    });
  }
  return new StudioError({
    code: 'internal',
    what: `unexpected error: ${message}`,
    hint: 'This is a bug in VAR Studio; please report it with the command line (VAR_STUDIO_DEBUG=1 prints the details)',
  });
}

export function reportUnexpected(e: unknown, io: CliIO): number {
  if (process.env.VAR_STUDIO_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
  return reportStudioError(toStudioError(e), io);
}
