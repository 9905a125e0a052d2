/** The three ways in: phantoms, a folder, files. Shared by the empty state and the dataset bar. */
export interface OpenActionsProps {
  busy: boolean;
  onPhantoms(): void;
  onOpenFolder(): void;
  onOpenFiles(): void;
  primary?: boolean;
}

export function OpenActions({ busy, onPhantoms, onOpenFolder, onOpenFiles, primary }: OpenActionsProps) {
  return (
    <div className="open-actions" role="group" aria-label="Open data">
      <button
        type="button"
        className={primary ? 'action-button action-button--primary' : 'action-button'}
        aria-label="Load phantom set"
        disabled={busy}
        onClick={onPhantoms}
      >
        Load phantom set
      </button>
      <button type="button" className="action-button" aria-label="Open folder…" disabled={busy} onClick={onOpenFolder}>
        Open folder…
      </button>
      <button type="button" className="action-button" aria-label="Open files…" disabled={busy} onClick={onOpenFiles}>
        Open files…
      </button>
    </div>
  );
}
