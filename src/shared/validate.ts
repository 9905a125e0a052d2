import type { z } from 'zod';
import { StudioError, type StudioErrorCode } from './errors';

/** "path.to.field: message; …" for the first `max` issues, so users see which fields to fix. */
export function describeIssues(error: z.ZodError, max = 5): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export interface ParseFailure {
  /** Names the thing being parsed, e.g. "run config"; the issue list is appended. */
  subject: string;
  hint: string;
  code?: StudioErrorCode;
  file?: string;
}

/** Parses untrusted data with a schema, or throws a StudioError that lists the bad fields. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, failure: ParseFailure): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new StudioError({
    code: failure.code ?? 'bad-input',
    ...(failure.file ? { file: failure.file } : {}),
    what: `Invalid ${failure.subject}: ${describeIssues(r.error)}`,
    hint: failure.hint,
  });
}
