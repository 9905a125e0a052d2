/** Errors across the process boundary: StudioError in, `{code, what, hint, file?}` on the wire, StudioError out. */
import { STUDIO_ERROR_CODES, StudioError, isStudioError, type StudioErrorCode } from '../errors';
import type { WireError } from './channels';

export function errorToWire(e: unknown): WireError {
  if (isStudioError(e)) return e.toJSON();
  // Unexpected failures still reach the user as one sentence, never as a stack trace.
  const text = e instanceof Error ? e.message : String(e);
  return {
    code: 'internal',
    what: `Unexpected error: ${text}`,
    hint: 'This is a bug in VAR Studio; please report it with the steps that led here.',
  };
}

export function wireToError(w: unknown): StudioError {
  const o = (typeof w === 'object' && w !== null ? w : {}) as Partial<WireError>;
  const code = (STUDIO_ERROR_CODES as readonly string[]).includes(o.code as string) ? (o.code as StudioErrorCode) : 'internal';
  return new StudioError({
    code,
    what: typeof o.what === 'string' ? o.what : 'The studio returned an error without a description',
    hint: typeof o.hint === 'string' ? o.hint : 'Retry; if it persists, restart the studio.',
    ...(typeof o.file === 'string' ? { file: o.file } : {}),
  });
}

/** One line per zod issue, `path: message`, for the `what` of a bad-input error. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(input)'}: ${i.message}`)
    .join('; ');
}
