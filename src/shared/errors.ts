/**
 * The one error type shown to users. Every message answers three questions:
 * which input (file), what was wrong with it (what), and what to do about it (hint).
 */
export const STUDIO_ERROR_CODES = [
  'bad-input',
  'bad-file',
  'too-large',
  'unsupported',
  'not-found',
  /** Something is already there and was not replaced: confirm overwriting, or choose another name. */
  'exists',
  'mismatch',
  /**
   * Another process holds the lock of what this would write (a run, a sweep folder, an experiment
   * or one of its cells): nothing was wrong with the request; wait for the holder or stop it.
   */
  'busy',
  'cancelled',
  'backend',
  'internal',
] as const;

export type StudioErrorCode = (typeof STUDIO_ERROR_CODES)[number];

export interface StudioErrorInfo {
  code: StudioErrorCode;
  what: string;
  hint: string;
  file?: string;
}

export class StudioError extends Error {
  readonly code: StudioErrorCode;
  readonly what: string;
  readonly hint: string;
  readonly file?: string;

  constructor(info: StudioErrorInfo) {
    super(`${info.file ? `${info.file}: ` : ''}${info.what}. ${info.hint}`);
    this.name = 'StudioError';
    this.code = info.code;
    this.what = info.what;
    this.hint = info.hint;
    this.file = info.file;
  }

  toJSON(): StudioErrorInfo {
    return { code: this.code, what: this.what, hint: this.hint, ...(this.file ? { file: this.file } : {}) };
  }
}

export function isStudioError(e: unknown): e is StudioError {
  return e instanceof StudioError;
}
