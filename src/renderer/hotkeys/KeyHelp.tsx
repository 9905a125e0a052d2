/** The `?` overlay: the binding table, grouped, as the user reads it. Escape or the button closes it. */
import { useModalDialog } from '../components/useModalDialog';
import { HOTKEYS, keyLabel, type HotkeyGroup } from './bindings';

const GROUPS: readonly HotkeyGroup[] = ['Views', 'Viewer', 'Help'];

export function KeyHelp({ onClose }: { onClose(): void }) {
  const { ref, onCancel } = useModalDialog(onClose);
  return (
    <dialog
      ref={ref}
      className="key-help"
      aria-labelledby="key-help-title"
      onCancel={onCancel}
      onKeyDown={(e) => {
        if (e.key === '?') onCancel(e);
      }}
    >
      <div className="key-help__head">
        <h3 id="key-help-title">Keyboard shortcuts</h3>
        <button type="button" className="tool-button" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
      <p className="muted">Keys act when no text field has focus. Viewer keys work in the Data view.</p>
      {GROUPS.map((group) => (
        <section key={group} aria-labelledby={`key-help-${group}`}>
          <h4 id={`key-help-${group}`}>{group}</h4>
          <table className="key-help__table">
            <tbody>
              {HOTKEYS.filter((b) => b.group === group).map((b) => (
                <tr key={b.command} data-command={b.command}>
                  <th scope="row">
                    {b.keys.map((k) => (
                      <kbd key={k}>{keyLabel(k)}</kbd>
                    ))}
                  </th>
                  <td>{b.label}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </dialog>
  );
}
