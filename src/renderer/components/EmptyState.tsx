import type { ReactNode } from 'react';

/** What a view shows before it has anything: what belongs here and how to get it. */
export function EmptyState({ title, children, icon }: { title: string; icon: string; children: ReactNode }) {
  return (
    <div className="empty-state" role="note" aria-label={title}>
      <div className="empty-state__icon" aria-hidden="true">
        {icon}
      </div>
      <h2>{title}</h2>
      <div className="empty-state__body">{children}</div>
    </div>
  );
}
