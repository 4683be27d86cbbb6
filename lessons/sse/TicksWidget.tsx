'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { LabEventSource, type ParsedEvent, type StreamState } from '../../components/lab/clients/event-source';
import { DropButton } from '../../components/lab/DropButton';
import { useLab } from '../../components/lab/LabProvider';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { addId, type Continuity, emptyContinuity } from './continuity';
import { StreamStateBadge } from './StreamState';
import { useServerLane } from './useLaneEvents';
import styles from './widgets.module.css';

/** Only the latest rows are shown: enough to follow along, never a memory leak. */
const SHOWN = 40;
const RETRY_MIN = 100;
const RETRY_MAX = 60_000;

/** A chunk's exact text, with each line end shown as ↵ so the blank line that ends an event is visible. */
function ChunkText({ text }: { text: string }) {
  const lines = text.split('\n');
  return (
    <CodeBlock className={styles.chunk}>
      {lines.slice(0, -1).map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one fixed chunk, never reordered
        <span key={i}>
          {line}
          <span className={styles.eol}>↵</span>
          {'\n'}
        </span>
      ))}
    </CodeBlock>
  );
}

/**
 * GET /api/sse/ticks through the browser's own EventSource: the bytes the
 * server wrote (its chunk events, via the lab channel) beside the events
 * EventSource parsed out of them; a drop button; and a check that the ids
 * stay contiguous across every reconnect.
 */
export function TicksWidget() {
  const { record } = useLab();
  const retryId = useId();
  const [retry, setRetry] = useState('1000');
  const [source, setSource] = useState<LabEventSource | null>(null);
  const [openedRetry, setOpenedRetry] = useState<number | null>(null);
  const [state, setState] = useState<StreamState | 'idle'>('idle');
  const [events, setEvents] = useState<ParsedEvent[]>([]);
  const [continuity, setContinuity] = useState<Continuity>(emptyContinuity);
  const [waits, setWaits] = useState<number[]>([]);
  const [gapNotices, setGapNotices] = useState(0);
  const sourceRef = useRef<LabEventSource | null>(null);
  const chunks = useServerLane(source?.connId ?? null, 'frame');
  const rawRef = useRef<HTMLDivElement>(null);
  const parsedRef = useRef<HTMLOListElement>(null);
  // Follow the newest bytes and events, like a terminal.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever either list grows
  useEffect(() => {
    for (const el of [rawRef.current, parsedRef.current]) if (el) el.scrollTop = el.scrollHeight;
  }, [chunks.length, events]);

  const retryMs = Number(retry);
  const retryValid = Number.isInteger(retryMs) && retryMs >= RETRY_MIN && retryMs <= RETRY_MAX;

  const connect = () => {
    sourceRef.current?.close();
    const es = new LabEventSource(record, { path: `/api/sse/ticks?retry=${retryMs}`, types: ['tick', 'gap'], retryMs });
    es.subscribe({
      state: setState,
      event: (e) => {
        if (e.type === 'gap') {
          setGapNotices((n) => n + 1);
          return;
        }
        setEvents((list) => [...list.slice(1 - SHOWN), e]);
        setContinuity((c) => addId(c, Number(e.id)));
      },
      reconnected: (ms) => setWaits((list) => [...list, ms]),
    });
    sourceRef.current = es;
    setSource(es);
    setOpenedRetry(retryMs);
    setState(es.state);
    setEvents([]);
    setContinuity(emptyContinuity());
    setWaits([]);
    setGapNotices(0);
  };

  const disconnect = () => {
    sourceRef.current?.close();
    sourceRef.current = null;
  };

  useEffect(() => () => sourceRef.current?.close(), []);

  const live = state !== 'idle' && state !== 'closed';
  const clean = continuity.missing === 0 && continuity.duplicates === 0;

  return (
    <WidgetFrame
      title="EventSource → GET /api/sse/ticks"
      testId="ticks-widget"
      status={<StreamStateBadge state={state} testId="ticks-state" />}
    >
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          if (retryValid) connect();
        }}
      >
        <label htmlFor={retryId}>retry (ms)</label>
        <input
          id={retryId}
          className={`lab-input ${styles.number}`}
          data-testid="ticks-retry"
          inputMode="numeric"
          value={retry}
          onChange={(e) => setRetry(e.target.value)}
          aria-invalid={!retryValid}
        />
        <button type="submit" className="lab-button" data-testid="ticks-connect" disabled={!retryValid}>
          {live ? (openedRetry === retryMs ? 'Reconnect' : `Reconnect with retry ${retryMs} ms`) : 'Connect'}
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="ticks-close"
          disabled={!live}
          onClick={disconnect}
        >
          Close
        </button>
        <DropButton target="sse" />
      </form>
      {!retryValid && (
        <p className={styles.bad}>
          retry must be a whole number from {RETRY_MIN} to {RETRY_MAX} ms.
        </p>
      )}

      <dl className={styles.facts}>
        <div>
          <dt>events</dt>
          <dd data-testid="ticks-count">{continuity.count}</dd>
        </div>
        <div>
          <dt>ids</dt>
          <dd data-testid="ticks-range">{continuity.first === null ? '–' : `${continuity.first}–${continuity.last}`}</dd>
        </div>
        <div>
          <dt>missing</dt>
          <dd data-testid="ticks-missing" className={continuity.missing ? styles.bad : styles.ok}>
            {continuity.missing}
          </dd>
        </div>
        <div>
          <dt>duplicates</dt>
          <dd data-testid="ticks-duplicates" className={continuity.duplicates ? styles.bad : styles.ok}>
            {continuity.duplicates}
          </dd>
        </div>
        <div>
          <dt>reconnects</dt>
          <dd data-testid="ticks-reconnects" data-waits={waits.map((w) => Math.round(w)).join(',')}>
            {waits.length === 0 ? '0' : `${waits.length} (waited ${waits.map((w) => `${Math.round(w)} ms`).join(', ')})`}
          </dd>
        </div>
        {gapNotices > 0 && (
          <div>
            <dt>gap notices</dt>
            <dd className={styles.bad}>{gapNotices}</dd>
          </div>
        )}
      </dl>
      <p className={ui.muted} data-testid="ticks-verdict" data-clean={String(clean)}>
        {continuity.count === 0
          ? 'Connect to start the stream.'
          : clean
            ? `Every id from ${continuity.first} to ${continuity.last} arrived exactly once.`
            : 'Ids are missing or repeated: something was lost or replayed twice.'}
      </p>

      <div className={ui.columns}>
        <section className={styles.pane} aria-label="Raw bytes">
          <h4>What the server wrote (its chunks, exact text)</h4>
          <div className={`${ui.log} ${styles.log}`} data-testid="ticks-raw" ref={rawRef}>
            {chunks.length === 0 && <p className={ui.empty}>No bytes yet.</p>}
            {chunks.slice(-SHOWN).map((chunk) => (
              <ChunkText key={chunk.id} text={chunk.detail?.body ?? ''} />
            ))}
          </div>
        </section>
        <section className={styles.pane} aria-label="Parsed events">
          <h4>What EventSource handed the page</h4>
          <ol className={`${ui.log} ${styles.log}`} data-testid="ticks-parsed" ref={parsedRef}>
            {events.length === 0 && <li className={ui.empty}>No events yet.</li>}
            {events.map((e) => (
              <li key={`${e.id}-${e.receivedAt}`} data-id={e.id}>
                <strong>#{e.id}</strong> {e.type} {e.data}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </WidgetFrame>
  );
}
