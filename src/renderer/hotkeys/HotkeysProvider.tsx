/**
 * The one keydown listener of the renderer. It looks the key up in the binding table and runs the
 * command's handler, registered by whichever component currently offers it (`useHotkeys`); the
 * latest registration wins. One rule decides when a key belongs to the page rather than to the
 * focused control or an open dialog (`ownedElsewhere`).
 */
import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import { bindingForKey, NAVIGATION_KEYS } from './bindings';

export type HotkeyHandlers = Partial<Record<string, () => void>>;

interface Registry {
  add(handlers: { current: HotkeyHandlers }): () => void;
}

const HotkeysContext = createContext<Registry | null>(null);

/** Typing in fields, arrows on sliders/selects/check boxes, and everything inside a modal dialog. */
export function ownedElsewhere(e: KeyboardEvent): boolean {
  const el = e.target instanceof HTMLElement ? e.target : null;
  if (document.querySelector('dialog[open], [aria-modal="true"]')) return true;
  if (!el) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA') return true;
  if (el.tagName === 'SELECT') return NAVIGATION_KEYS.has(e.key);
  if (el.tagName === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return type === 'range' || type === 'checkbox' || type === 'radio' ? NAVIGATION_KEYS.has(e.key) : true;
  }
  return false;
}

export function HotkeysProvider({ children }: { children: ReactNode }) {
  const stack = useRef<{ current: HotkeyHandlers }[]>([]);
  const registry = useRef<Registry>({
    add(handlers) {
      stack.current.push(handlers);
      return () => {
        stack.current = stack.current.filter((h) => h !== handlers);
      };
    },
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const binding = bindingForKey(e.key);
      if (!binding || ownedElsewhere(e)) return;
      const handler = [...stack.current].reverse().find((h) => h.current[binding.command])?.current[binding.command];
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return <HotkeysContext.Provider value={registry.current}>{children}</HotkeysContext.Provider>;
}

/** Offer commands while mounted (and while `enabled`); handlers may change every render. */
export function useHotkeys(handlers: HotkeyHandlers, enabled = true): void {
  const registry = useContext(HotkeysContext);
  if (!registry) throw new Error('useHotkeys needs a HotkeysProvider above it');
  const latest = useRef<HotkeyHandlers>(handlers);
  latest.current = enabled ? handlers : {};
  useEffect(() => registry.add(latest), [registry]);
}
