'use client';

import { useState } from 'react';
import styles from './DropButton.module.css';
import { dropOutcomeText, postFault } from './faults-client';
import { useLab } from './LabProvider';

/**
 * Asks the server to destroy this session's connections of one protocol
 * (`target`, e.g. "websocket"): the client sees a real network failure.
 */
export function DropButton({ target, label = 'Drop connection' }: { target: string; label?: string }) {
  const { fetch: labFetch } = useLab();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);

  const drop = async () => {
    setBusy(true);
    try {
      const { dropped } = await postFault(labFetch, { action: 'drop', target });
      setOutcome(dropOutcomeText(target, dropped));
    } catch (error: unknown) {
      setOutcome((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className={styles.drop}>
      <button
        type="button"
        className="lab-button"
        data-variant="danger"
        data-testid={`drop-${target}`}
        disabled={busy}
        onClick={drop}
      >
        {label}
      </button>
      {outcome && (
        <span className={styles.outcome} role="status" data-testid={`drop-${target}-result`}>
          {outcome}
        </span>
      )}
    </span>
  );
}
