'use client';

import { useEffect, useId, useState } from 'react';
import { type FaultState, MAX_LATENCY_MS } from '../../lib/faults';
import { getLabJson } from './clients/plumbing';
import styles from './FaultBar.module.css';
import { droppedText, postFault } from './faults-client';
import { useLab } from './LabProvider';
import { useLabInfo } from './useLabInfo';
import { useShiftShortcuts } from './useShiftShortcuts';

/** What Shift+L switches on: long enough to watch, short enough not to annoy. */
const SHORTCUT_LATENCY_MS = 1000;

/**
 * Fault controls for the whole session: drop connections, add latency,
 * clear. Every action goes through the instrumented fetch, so it is on the
 * timeline next to its effects. Shift+D / Shift+L / Shift+C do the same.
 */
export function FaultBar() {
  const { fetch: labFetch } = useLab();
  const info = useLabInfo();
  const ids = useId();
  const [target, setTarget] = useState('all');
  const [latencyInput, setLatencyInput] = useState(String(SHORTCUT_LATENCY_MS));
  const [latencyMs, setLatencyMs] = useState(0);
  const [status, setStatus] = useState('');

  // Faults outlive the page (another tab or a terminal may have set them): start from the server's view.
  useEffect(() => {
    getLabJson<FaultState>('/api/lab/faults')
      .then((state) => setLatencyMs(state.latencyMs))
      .catch(() => undefined);
  }, []);

  /** Runs one fault request and reports its outcome (or the server's refusal) in the status line. */
  const report = async (action: () => Promise<string>) => {
    try {
      setStatus(await action());
    } catch (error: unknown) {
      setStatus((error as Error).message);
    }
  };

  const drop = (dropTarget: string) =>
    report(async () => {
      const { dropped } = await postFault(labFetch, { action: 'drop', target: dropTarget });
      return `${dropTarget}: ${droppedText(dropped)}`;
    });

  const applyLatency = (ms: number) =>
    report(async () => {
      const state = await postFault(labFetch, { action: 'latency', ms });
      setLatencyMs(state.latencyMs);
      return state.latencyMs > 0 ? `latency set to ${state.latencyMs} ms` : 'latency off';
    });

  const clear = () =>
    report(async () => {
      const state = await postFault(labFetch, { action: 'clear' });
      setLatencyMs(state.latencyMs);
      return 'faults cleared';
    });

  useShiftShortcuts({
    d: () => drop('all'),
    l: () => applyLatency(latencyMs > 0 ? 0 : SHORTCUT_LATENCY_MS),
    c: clear,
  });

  return (
    <section className={styles.bar} data-testid="fault-bar" aria-label="Fault controls">
      <span className={styles.heading}>Faults</span>

      <form
        className={styles.group}
        onSubmit={(e) => {
          e.preventDefault();
          void drop(target);
        }}
      >
        <label htmlFor={`${ids}-target`}>Drop</label>
        <select
          id={`${ids}-target`}
          className="lab-input"
          data-testid="fault-target"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        >
          {(info?.dropTargets ?? ['all']).map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="submit" className="lab-button" data-variant="danger" data-testid="fault-drop">
          Drop
        </button>
      </form>

      <form
        className={styles.group}
        onSubmit={(e) => {
          e.preventDefault();
          // The server validates the number and explains what it accepts.
          void applyLatency(Number(latencyInput));
        }}
      >
        <label htmlFor={`${ids}-latency`}>Latency</label>
        <input
          id={`${ids}-latency`}
          className={`lab-input ${styles.latency}`}
          data-testid="fault-latency"
          type="number"
          min={0}
          max={MAX_LATENCY_MS}
          step={100}
          value={latencyInput}
          onChange={(e) => setLatencyInput(e.target.value)}
        />
        <span className={styles.unit}>ms</span>
        <button type="submit" className="lab-button" data-variant="secondary" data-testid="fault-latency-apply">
          Apply
        </button>
      </form>

      <button type="button" className="lab-button" data-variant="secondary" data-testid="fault-clear" onClick={clear}>
        Clear faults
      </button>

      {latencyMs > 0 && (
        <span className={styles.active} data-testid="fault-latency-active">
          +{latencyMs} ms on every response
        </span>
      )}
      <output className={styles.status} data-testid="fault-status" aria-live="polite">
        {status}
      </output>

      <ShortcutHint />
    </section>
  );
}

function ShortcutHint() {
  return (
    <p className={styles.hint}>
      <kbd>Shift</kbd>+<kbd>D</kbd> drop all · <kbd>Shift</kbd>+<kbd>L</kbd> latency {SHORTCUT_LATENCY_MS / 1000} s on/off ·{' '}
      <kbd>Shift</kbd>+<kbd>C</kbd> clear
    </p>
  );
}
