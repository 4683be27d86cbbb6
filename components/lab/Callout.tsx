import type { ReactNode } from 'react';
import styles from './Callout.module.css';

export type CalloutType = 'note' | 'warning' | 'tip';

const LABELS: Record<CalloutType, string> = { note: 'Note', warning: 'Watch out', tip: 'Tip' };

/** A highlighted aside in a lesson: `<Callout type="tip" title="…">…</Callout>`. */
export function Callout({ type = 'note', title, children }: { type?: CalloutType; title?: string; children: ReactNode }) {
  return (
    <aside className={styles.callout} data-type={type}>
      <p className={styles.title}>{title ?? LABELS[type]}</p>
      <div className={styles.body}>{children}</div>
    </aside>
  );
}
