'use client';

import copy from 'copy-to-clipboard';
import { useEffect, useRef, useState } from 'react';
import { problemMessageIn } from '../../lib/problem';
import { announceNewSession } from './clients/session-sync';
import { useTimeline } from './LabProvider';
import styles from './SessionBadge.module.css';

/**
 * Shows the student's session id: the sandbox that their timeline and terminal commands share.
 * Copy puts the id on the clipboard (for a terminal command typed by hand); New session starts
 * over with a fresh bank and an empty timeline, which an instructor needs between demos.
 */
export function SessionBadge() {
  const sessionId = useTimeline((s) => s.sessionId);
  const [note, setNote] = useState<string | null>(null);
  const noteTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(noteTimer.current), []);
  const say = (text: string) => {
    setNote(text);
    clearTimeout(noteTimer.current);
    noteTimer.current = setTimeout(() => setNote(null), 2500);
  };

  const copyId = async () => {
    if (!sessionId) return;
    // Over plain http on a LAN address (a class server) copy-to-clipboard falls back to a selection-based copy.
    say((await copy(sessionId)) ? 'copied' : 'select the id and copy it');
  };

  const startOver = async () => {
    const sure = window.confirm(
      'Start over with a new session? You get a fresh bank and an empty timeline, and this page and your other ' +
        'open lab tabs reload onto it. The current session stays on the server until it expires.',
    );
    if (!sure) return;
    const response = await fetch('/api/lab/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (!response.ok) {
      say(problemMessageIn(await response.text()) ?? `the lab answered ${response.status}`);
      return;
    }
    const { id } = (await response.json()) as { id: string };
    announceNewSession(id);
    window.location.reload();
  };

  return (
    <span className={styles.badge} title={`Your lab session (your own sandbox bank and timeline): ${sessionId ?? 'starting…'}`}>
      <span className={styles.wide}>session</span> <code data-testid="session-id">{sessionId ?? '…'}</code>
      <button
        type="button"
        className={`${styles.action} ${styles.wide}`}
        onClick={() => void copyId()}
        disabled={!sessionId}
        data-testid="session-copy"
      >
        Copy
      </button>
      <button
        type="button"
        className={styles.action}
        onClick={() => void startOver()}
        disabled={!sessionId}
        data-testid="session-new"
        title="Start over: a fresh bank and an empty timeline"
      >
        New<span className={styles.wide}> session</span>
      </button>
      {note && (
        <span className={styles.note} role="status" data-testid="session-note">
          {note}
        </span>
      )}
    </span>
  );
}
