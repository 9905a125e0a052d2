import type { StudioError } from '../../shared/errors';

/** A StudioError as the user reads it: what went wrong, with which file, and what to do. */
export function ErrorBanner({ error, onDismiss }: { error: StudioError; onDismiss(): void }) {
  return (
    <div className="error-banner" role="alert" data-code={error.code}>
      <div className="error-banner__text">
        <strong>{error.what}</strong>
        {error.file && (
          <div className="error-banner__file">
            File: <code>{error.file}</code>
          </div>
        )}
        <div className="error-banner__hint">{error.hint}</div>
      </div>
      <button type="button" className="tool-button" aria-label="Dismiss error" onClick={onDismiss}>
        ✕
      </button>
    </div>
  );
}
