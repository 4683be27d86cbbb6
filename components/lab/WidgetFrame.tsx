import type { ReactNode } from 'react';
import styles from './WidgetFrame.module.css';

/**
 * The card every live widget sits in, so students can tell "this part of the
 * page talks to the server" apart from the prose around it.
 */
export function WidgetFrame({
  title,
  status,
  testId,
  children,
}: {
  title: string;
  /** Shown at the right of the title bar, e.g. a connection state. */
  status?: ReactNode;
  testId: string;
  children: ReactNode;
}) {
  return (
    <section className={styles.frame} data-testid={testId} aria-label={title}>
      <header className={styles.titleBar}>
        <span className={styles.live} aria-hidden="true" />
        <span className={styles.title}>{title}</span>
        {status && <span className={styles.status}>{status}</span>}
      </header>
      <div className={styles.body}>{children}</div>
    </section>
  );
}
