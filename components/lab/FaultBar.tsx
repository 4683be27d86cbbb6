'use client';

import { useEffect, useId, useState } from 'react';
import { dropTargetLabel, MAX_LATENCY_MS } from '../../lib/faults';
import styles from './FaultBar.module.css';
import {
  createStatusLine,
  dropOutcomeText,
  flushChangedFaults,
  getFaults,
  latestWins,
  parseLatencyInput,
  postFault,
  toggledLatency,
} from './faults-client';
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
  const { fetch: labFetch, store } = useLab();
  const info = useLabInfo();
  const ids = useId();
  const [target, setTarget] = useState('all');
  const [latencyInput, setLatencyInput] = useState(String(SHORTCUT_LATENCY_MS));
  const [latencyMs, setLatencyMs] = useState(0);
  const [status, setStatus] = useState('');
  // Reads on focus and action answers overlap: the newest one decides what the bar shows.
  const [applyFaults] = useState(() => latestWins((state: { latencyMs: number }) => setLatencyMs(state.latencyMs)));
  const [statusLine] = useState(() => createStatusLine(setStatus));
  useEffect(() => () => statusLine.dispose(), [statusLine]);

  // Faults belong to the session, not the page: another tab, a terminal or a lesson widget may
  // change them. So start from the server's view, read it again whenever this tab comes back
  // into view, and whenever a fault event (latency set or cleared) arrives on the timeline.
  useEffect(() => {
    const refresh = () => void applyFaults(getFaults).catch(() => undefined);
    const onVisibility = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    refresh();
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', onVisibility);
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.version !== previous.version && flushChangedFaults(state)) refresh();
    });
    return () => {
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', onVisibility);
      unsubscribe();
    };
  }, [store, applyFaults]);

  /** Runs one fault request and reports its outcome (or the server's refusal) in the status line. */
  const report = async (action: () => Promise<string>) => {
    try {
      statusLine.set(await action());
    } catch (error: unknown) {
      statusLine.set((error as Error).message);
    }
  };

  const drop = (dropTarget: string) =>
    report(async () => {
      const { dropped } = await postFault(labFetch, { action: 'drop', target: dropTarget });
      return `${dropTarget}: ${dropOutcomeText(dropTarget, dropped)}`;
    });

  const setLatency = async (ms: number) => {
    const state = await applyFaults(() => postFault(labFetch, { action: 'latency', ms }));
    return state.latencyMs > 0 ? `latency set to ${state.latencyMs} ms` : 'latency off';
  };

  const applyLatencyInput = () =>
    report(async () => {
      const parsed = parseLatencyInput(latencyInput);
      if ('error' in parsed) return parsed.error;
      try {
        return await setLatency(parsed.ms);
      } catch (error: unknown) {
        throw new Error(`Latency not changed: ${(error as Error).message}`);
      }
    });

  // A toggle must start from the session's latency now, not this page's last view of it
  // (another tab may have changed it); if the lab can't say, the page's view will do.
  const toggleLatency = () =>
    report(async () => {
      const { latencyMs: current } = await applyFaults(getFaults).catch(() => ({ latencyMs }));
      return setLatency(toggledLatency(current, SHORTCUT_LATENCY_MS));
    });

  const clear = () =>
    report(async () => {
      await applyFaults(() => postFault(labFetch, { action: 'clear' }));
      return 'faults cleared';
    });

  useShiftShortcuts({
    d: () => drop('all'),
    l: toggleLatency,
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
          className={`lab-input ${styles.target}`}
          data-testid="fault-target"
          title={dropTargetLabel(target)}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        >
          {(info?.dropTargets ?? ['all']).map((t) => (
            <option key={t} value={t}>
              {dropTargetLabel(t)}
            </option>
          ))}
        </select>
        <button type="submit" className="lab-button" data-variant="danger" data-testid="fault-drop">
          Drop
        </button>
      </form>

      <form
        className={styles.group}
        // The browser's own validation would block ordinary values with a bubble and send nothing:
        // the bar explains an empty box, and the server explains any number it refuses.
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void applyLatencyInput();
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
          step={1}
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
      <kbd>Shift</kbd>+<kbd>C</kbd> clear faults
    </p>
  );
}
