'use client';

import { type ReactNode, useId, useMemo } from 'react';
import { useLab, useTimeline } from '../../components/lab/LabProvider';
import ui from '../../components/lab/widget.module.css';
import type { TimelineEvent } from '../../lib/timeline';
import styles from './widgets.module.css';

/** The timeline's events on one connection's lane that match `predicate` (browser and server). */
export function useLaneEvents(conn: string | undefined, predicate: (e: TimelineEvent) => boolean): TimelineEvent[] {
  const version = useTimeline((s) => s.version);
  const { store } = useLab();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the store's change counter; the predicate is a fresh closure each render
  return useMemo(
    () => (conn ? store.getState().events.filter((e) => e.conn === conn && predicate(e)) : []),
    [version, conn, store],
  );
}

/** POSTs JSON to a lab control endpoint through the instrumented fetch; throws with the problem's detail. */
export function usePostJson() {
  const { fetch: labFetch } = useLab();
  return async <T,>(path: string, body: unknown): Promise<T> => {
    const response = await labFetch(path, {
      method: 'POST',
      protocol: 'lab',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = (json as { detail?: string } | null)?.detail;
      throw new Error(detail ?? `The lab answered ${response.status}`);
    }
    return json as T;
  };
}

/** A connection's state; `conn` (its timeline lane id) is there for tests and curious students. */
export function StateBadge({ state, testId, conn }: { state: string; testId: string; conn?: string }) {
  return (
    <span className={styles.state} data-testid={testId} data-state={state} data-conn={conn}>
      {state}
    </span>
  );
}

/**
 * A pane's message box: a labelled input and a Send button in one form, so
 * Enter sends. `testId` prefixes `-input` and `-send`; `children` go after
 * the button (extra actions).
 */
export function MessageForm({
  label,
  testId,
  draft,
  onDraft,
  onSend,
  sendDisabled = false,
  sendLabel = 'Send',
  children,
}: {
  label: string;
  testId: string;
  draft: string;
  onDraft: (text: string) => void;
  onSend: () => void;
  sendDisabled?: boolean;
  sendLabel?: string;
  children?: ReactNode;
}) {
  const inputId = useId();
  return (
    <form
      className={`${ui.row} ${styles.row}`}
      onSubmit={(e) => {
        e.preventDefault();
        onSend();
      }}
    >
      <label htmlFor={inputId} className="visually-hidden">
        {label}
      </label>
      <input
        id={inputId}
        className={`lab-input ${styles.grow}`}
        data-testid={`${testId}-input`}
        value={draft}
        placeholder="Type a message"
        onChange={(e) => onDraft(e.target.value)}
        autoComplete="off"
      />
      <button type="submit" className="lab-button" data-testid={`${testId}-send`} disabled={!draft || sendDisabled}>
        {sendLabel}
      </button>
      {children}
    </form>
  );
}
