'use client';

import { useTimeline } from './LabProvider';
import styles from './SessionBadge.module.css';

/** Shows the student's session id: the sandbox that their timeline and terminal commands share. */
export function SessionBadge() {
  const sessionId = useTimeline((s) => s.sessionId);
  return (
    <span className={styles.badge} title={`Your lab session (your own sandbox bank and timeline): ${sessionId ?? 'starting…'}`}>
      session <code data-testid="session-id">{sessionId ?? '…'}</code>
    </span>
  );
}
