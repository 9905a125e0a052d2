import { useCallback, useMemo, useState } from 'react';
import { StatusLine } from './components/StatusLine';
import { keyFor } from './hotkeys/bindings';
import { useHotkeys } from './hotkeys/HotkeysProvider';
import { KeyHelp } from './hotkeys/KeyHelp';
import { findView, viewCommand, views } from './views/registry';

function viewFromHash(): string {
  return findView(window.location.hash.replace(/^#\/?/, ''))?.id ?? views[0].id;
}

export function App() {
  const [active, setActive] = useState(viewFromHash);

  const select = useCallback((id: string) => {
    setActive(id);
    // replaceState: an in-page hash change that is not a navigation (the Electron guard stays quiet).
    window.history.replaceState(null, '', `#/${id}`);
  }, []);

  const [help, setHelp] = useState(false);
  const handlers = useMemo(
    () => ({ 'help.keys': () => setHelp((v) => !v), ...Object.fromEntries(views.map((v) => [viewCommand(v.id), () => select(v.id)])) }),
    [select],
  );
  useHotkeys(handlers);

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
          {views.map((v) => {
            const key = keyFor(viewCommand(v.id));
            return (
              <button
                key={v.id}
                type="button"
                className="nav-button"
                data-view={v.id}
                aria-current={v.id === current.id ? 'page' : undefined}
                aria-label={key ? `${v.title} view (shortcut ${key})` : `${v.title} view`}
                aria-keyshortcuts={key}
                title={key ? `${v.description} — press ${key}` : v.description}
                onClick={() => select(v.id)}
              >
                <span className="nav-button__icon" aria-hidden="true">
                  {v.icon}
                </span>
                {v.title}
                {key && (
                  <kbd className="key-hint" aria-hidden="true">
                    {key}
                  </kbd>
                )}
              </button>
            );
          })}
        </nav>
        <button
          type="button"
          className="nav-button app__keys"
          aria-label="Keyboard shortcuts (key ?)"
          aria-keyshortcuts="?"
          title="Keyboard shortcuts — press ?"
          onClick={() => setHelp(true)}
        >
          <kbd className="key-hint" aria-hidden="true">
            ?
          </kbd>
        </button>
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
      {help && <KeyHelp onClose={() => setHelp(false)} />}
    </div>
  );
}
