import { useCallback, useEffect, useState } from 'react';
import { StatusLine } from './components/StatusLine';
import { findView, viewForShortcut, views } from './views/registry';

function viewFromHash(): string {
  return findView(window.location.hash.replace(/^#\/?/, ''))?.id ?? views[0].id;
}

/** Typing into a field must never switch views. */
function isTextTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export function App() {
  const [active, setActive] = useState(viewFromHash);

  const select = useCallback((id: string) => {
    setActive(id);
    // replaceState: an in-page hash change that is not a navigation (the Electron guard stays quiet).
    window.history.replaceState(null, '', `#/${id}`);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTextTarget(e.target)) return;
      const view = viewForShortcut(e.key);
      if (view) {
        e.preventDefault();
        select(view.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [select]);

  const current = findView(active) ?? views[0];
  const Current = current.component;

  return (
    <div className="app">
      <header className="app__header">
        <h1 className="app__title">
          <span className="app__logo" aria-hidden="true">
            ◉
          </span>
          VAR Studio
        </h1>
        <nav className="app__nav" aria-label="Views">
          {views.map((v) => (
            <button
              key={v.id}
              type="button"
              className="nav-button"
              data-view={v.id}
              aria-current={v.id === current.id ? 'page' : undefined}
              aria-label={`${v.title} view (shortcut ${v.shortcut})`}
              aria-keyshortcuts={v.shortcut}
              title={`${v.description} — press ${v.shortcut}`}
              onClick={() => select(v.id)}
            >
              <span className="nav-button__icon" aria-hidden="true">
                {v.icon}
              </span>
              {v.title}
              <kbd aria-hidden="true">{v.shortcut}</kbd>
            </button>
          ))}
        </nav>
      </header>
      <main className="app__main" id="view" aria-labelledby="view-title" data-active-view={current.id}>
        <h2 id="view-title" className="view-title">
          {current.title}
        </h2>
        <Current />
      </main>
      <footer className="app__footer">
        <StatusLine />
      </footer>
    </div>
  );
}
