/**
 * The one key-binding table (OHIF style: hotkeys are data). Every key the studio answers to is
 * listed here, and only here: the dispatcher (`HotkeysProvider`), the navigation hints and the `?`
 * overlay all read this table. A feature binds a command by name with `useHotkeys`; a key whose
 * command nobody handles at the moment does nothing.
 */

export type HotkeyGroup = 'Views' | 'Viewer' | 'Help';

export interface HotkeyBinding {
  /** Command name handled by whoever registers it (`useHotkeys`). */
  command: string;
  /** `KeyboardEvent.key` values; the first is the one shown. */
  keys: readonly string[];
  /** What it does, as the `?` overlay shows it. */
  label: string;
  group: HotkeyGroup;
}

export const HOTKEYS: readonly HotkeyBinding[] = [
  { command: 'view.data', keys: ['1'], label: 'Data view', group: 'Views' },
  { command: 'view.train', keys: ['2'], label: 'Train view', group: 'Views' },
  { command: 'view.sweep', keys: ['3'], label: 'Sweep view', group: 'Views' },
  { command: 'view.export', keys: ['4'], label: 'Export view', group: 'Views' },
  { command: 'view.predict', keys: ['5'], label: 'Predict view', group: 'Views' },
  { command: 'viewer.slice.previous', keys: ['ArrowUp'], label: 'Previous slice', group: 'Viewer' },
  { command: 'viewer.slice.next', keys: ['ArrowDown'], label: 'Next slice', group: 'Viewer' },
  { command: 'viewer.slice.pageBack', keys: ['PageUp'], label: 'Back a tenth of the slices', group: 'Viewer' },
  { command: 'viewer.slice.pageForward', keys: ['PageDown'], label: 'Forward a tenth of the slices', group: 'Viewer' },
  { command: 'viewer.slice.first', keys: ['Home'], label: 'First slice', group: 'Viewer' },
  { command: 'viewer.slice.last', keys: ['End'], label: 'Last slice', group: 'Viewer' },
  { command: 'viewer.case.previous', keys: ['['], label: 'Previous case', group: 'Viewer' },
  { command: 'viewer.case.next', keys: [']'], label: 'Next case', group: 'Viewer' },
  { command: 'viewer.channel.next', keys: ['c'], label: 'Next channel', group: 'Viewer' },
  { command: 'viewer.mask.toggle', keys: ['m'], label: 'Show or hide the mask overlay', group: 'Viewer' },
  { command: 'viewer.reset', keys: ['r'], label: 'Reset window, zoom and pan', group: 'Viewer' },
  { command: 'viewer.preset.auto', keys: ['w'], label: 'Window preset: Auto', group: 'Viewer' },
  { command: 'viewer.preset.full', keys: ['q'], label: 'Window preset: Full range', group: 'Viewer' },
  { command: 'viewer.preset.bright', keys: ['e'], label: 'Window preset: Bright lesions', group: 'Viewer' },
  { command: 'help.keys', keys: ['?'], label: 'Show or hide this list of keys', group: 'Help' },
];

/** Keys a focused control needs for itself (arrows on sliders and selects, anything in a text field). */
export const NAVIGATION_KEYS: ReadonlySet<string> = new Set([
  'ArrowUp',
  'ArrowDown',
  'ArrowLeft',
  'ArrowRight',
  'PageUp',
  'PageDown',
  'Home',
  'End',
]);

export function bindingForKey(key: string): HotkeyBinding | undefined {
  return HOTKEYS.find((b) => b.keys.includes(key));
}

/** The key shown for a command (navigation hints, tooltips), if it has one. */
export function keyFor(command: string): string | undefined {
  return HOTKEYS.find((b) => b.command === command)?.keys[0];
}

/** How a key is printed: arrows as glyphs, names as they are. */
export function keyLabel(key: string): string {
  return (
    ({ ArrowUp: '↑', ArrowDown: '↓', ArrowLeft: '←', ArrowRight: '→', PageUp: 'Page Up', PageDown: 'Page Down' } as Record<string, string>)[
      key
    ] ?? key
  );
}
