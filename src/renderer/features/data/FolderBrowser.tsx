/**
 * Browser mode's stand-in for the native dialog: folders of the machine the studio runs on,
 * listed by `datasets.browse` (names and sizes only). Open the shown folder or one file in it.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import type { BrowseOutput } from '../../../shared/api/schemas/datasets';
import type { StudioError } from '../../../shared/errors';
import { toStudioError } from '../../components/errors';

const LAST_KEY = 'var-studio.browse.last';

function size(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}${dir.includes('\\') && !dir.includes('/') ? '\\' : '/'}${name}`;
}

export function FolderBrowser({ onOpen, onCancel }: { onOpen(path: string): void; onCancel(): void }) {
  const api = useApi();
  const [listing, setListing] = useState<BrowseOutput | undefined>();
  const [typed, setTyped] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const [error, setError] = useState<StudioError | undefined>();
  // While a listing loads, "Open this folder" would open the previous one.
  const [loading, setLoading] = useState(true);
  const dialog = useRef<HTMLDivElement>(null);
  // Only the latest request may update the listing, and never over what the user is typing.
  const seq = useRef(0);
  const editing = useRef(false);

  const browse = useCallback(
    async (path?: string) => {
      const mine = ++seq.current;
      editing.current = false;
      setLoading(true);
      try {
        const r = await api.call('datasets.browse', path ? { path } : {});
        if (mine !== seq.current) return;
        setListing(r);
        if (!editing.current) setTyped(r.path);
        setSelected(undefined);
        setError(undefined);
        sessionStorage.setItem(LAST_KEY, r.path);
      } catch (e) {
        if (mine === seq.current) setError(toStudioError(e));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void browse(sessionStorage.getItem(LAST_KEY) ?? undefined).then(() =>
      dialog.current?.querySelector<HTMLInputElement>('input')?.focus(),
    );
  }, [browse]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void browse(typed.trim() || undefined);
  };

  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onCancel()}>
      <div className="modal folder-browser" role="dialog" aria-modal="true" aria-label="Browse folders" ref={dialog}>
        <header className="modal__header">
          <h3>Open a folder on the studio machine</h3>
          <button type="button" className="tool-button" aria-label="Close folder browser" onClick={onCancel}>
            ✕
          </button>
        </header>
        <form className="folder-browser__path" onSubmit={submit}>
          <button
            type="button"
            className="tool-button"
            aria-label="Parent folder"
            disabled={!listing?.parent}
            onClick={() => listing?.parent && void browse(listing.parent)}
          >
            ↑
          </button>
          <button type="button" className="tool-button" aria-label="Home folder" onClick={() => listing && void browse(listing.home)}>
            ⌂
          </button>
          <input
            aria-label="Folder path"
            value={typed}
            onChange={(e) => {
              editing.current = true;
              setTyped(e.target.value);
            }}
            spellCheck={false}
          />
          <button type="submit" className="tool-button" aria-label="Go to path">
            Go
          </button>
        </form>
        {error && (
          <div className="folder-browser__error" role="alert">
            <strong>{error.what}</strong> {error.file && <code>{error.file}</code>} — {error.hint}
          </div>
        )}
        <ul
          className={`folder-browser__list${error ? ' folder-browser__list--stale' : ''}`}
          aria-label="Folder contents"
          aria-busy={loading}
        >
          {listing?.entries.map((e) => {
            const full = join(listing.path, e.name);
            return (
              <li key={e.name}>
                <button
                  type="button"
                  className="folder-browser__entry"
                  data-kind={e.kind}
                  aria-current={selected === full ? 'true' : undefined}
                  aria-label={e.kind === 'dir' ? `Folder ${e.name}` : `File ${e.name}, ${size(e.size)}`}
                  onClick={() => (e.kind === 'dir' ? void browse(full) : setSelected(full))}
                  onDoubleClick={() => e.kind === 'file' && onOpen(full)}
                >
                  <span aria-hidden="true">{e.kind === 'dir' ? '▸' : '·'}</span>
                  <span className="folder-browser__name">{e.name}</span>
                  <span className="folder-browser__size">{size(e.size)}</span>
                </button>
              </li>
            );
          })}
          {listing && listing.entries.length === 0 && <li className="folder-browser__empty">This folder is empty.</li>}
          {listing?.truncated && <li className="folder-browser__empty">Only the first {listing.entries.length} entries are shown.</li>}
        </ul>
        <footer className="modal__footer">
          <button type="button" className="action-button" aria-label="Cancel" onClick={onCancel}>
            Cancel
          </button>
          {/* After a failed navigation the listing below is not the path the user asked for: opening it would load a folder they did not ask for. */}
          <button
            type="button"
            className="action-button"
            aria-label="Open selected file"
            disabled={!selected || loading || !!error}
            onClick={() => selected && onOpen(selected)}
          >
            Open file
          </button>
          <button
            type="button"
            className="action-button action-button--primary"
            aria-label="Open this folder"
            disabled={!listing || loading || !!error}
            onClick={() => listing && onOpen(listing.path)}
          >
            Open this folder
          </button>
        </footer>
      </div>
    </div>
  );
}
