/**
 * A native <dialog> shown modal while its component is mounted (the browser traps focus in it) and
 * closed when it unmounts. Escape (the dialog's cancel event) calls `onClose`, so the dialog closes
 * through React state, not behind its back.
 */
import { useEffect, useRef, type SyntheticEvent } from 'react';

export function useModalDialog(onClose: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  const onCancel = (e: SyntheticEvent) => {
    e.preventDefault();
    onClose();
  };
  return { ref, onCancel };
}
