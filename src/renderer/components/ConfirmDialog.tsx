/** A modal yes/no question on the native <dialog>: focus is trapped, Escape cancels. */
import type { ReactNode } from 'react';
import { useModalDialog } from './useModalDialog';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel }: ConfirmDialogProps) {
  const { ref, onCancel: cancel } = useModalDialog(onCancel);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      role="alertdialog"
      aria-labelledby="confirm-dialog-title"
      aria-describedby="confirm-dialog-body"
      onCancel={cancel}
      onKeyDown={(e) => {
        if (e.key === 'Escape') cancel(e);
      }}
    >
      <h3 id="confirm-dialog-title">{title}</h3>
      <div id="confirm-dialog-body">{children}</div>
      <div className="confirm-dialog__actions">
        <button type="button" className="action-button" onClick={onCancel} autoFocus>
          Keep
        </button>
        <button type="button" className="action-button action-button--danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
