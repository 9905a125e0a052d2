import { StudioError } from '../../shared/errors';

/** Anything thrown in the renderer as a StudioError for the banner. */
export function toStudioError(e: unknown): StudioError {
  if (e instanceof StudioError) return e;
  return new StudioError({
    code: 'internal',
    what: e instanceof Error ? e.message : String(e),
    hint: 'Retry; reload the page if it persists.',
  });
}
