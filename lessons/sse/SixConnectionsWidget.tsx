'use client';

import { useEffect, useRef, useState } from 'react';
import { LabEventSource, type StreamState } from '../../components/lab/clients/event-source';
import { useLab } from '../../components/lab/LabProvider';
import { WideTable } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { now } from '../../lib/clock';
import { StreamStateBadge } from './StreamState';
import styles from './widgets.module.css';

/** Each stream subscribes to one channel of the feed, like a dashboard with one EventSource per panel. */
const CHANNELS = ['balance', 'transactions', 'alerts'] as const;
const MAX_STREAMS = 8;
/** A stream that isn't open after this long is queued behind the browser's limit: time the call anyway. */
const OPEN_WAIT_MS = 1500;
/** A plain call slower than this is shown as stalled (it normally takes a few ms; a busy machine can add some). */
const STALL_MS = 1500;

interface Stream {
  n: number;
  es: LabEventSource;
  state: StreamState;
}

interface Probe {
  /** Streams open (or asked for) when the call was made. */
  afterStreams: number;
  startedAt: number;
  durationMs: number | null;
}

/**
 * Opens EventSources one at a time and, after each, times a plain REST call
 * (GET /api/sse/status). Over HTTP/1.1 the browser allows six connections
 * per host: with six streams holding them, the call waits for a free one.
 */
export function SixConnectionsWidget() {
  const { record, fetch: labFetch } = useLab();
  const [streams, setStreams] = useState<Stream[]>([]);
  const [probes, setProbes] = useState<Probe[]>([]);
  const [, setClock] = useState(0);
  const streamsRef = useRef<Stream[]>([]);
  const [opening, setOpening] = useState(false);

  const update = (next: Stream[]) => {
    streamsRef.current = next;
    setStreams(next);
  };

  // Re-render while a call is pending, so its waiting time counts up.
  const pending = probes.some((p) => p.durationMs === null);
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => setClock((c) => c + 1), 100);
    return () => clearInterval(timer);
  }, [pending]);

  useEffect(
    () => () => {
      for (const s of streamsRef.current) s.es.close();
    },
    [],
  );

  const probe = async (afterStreams: number) => {
    const startedAt = now();
    setProbes((list) => [...list, { afterStreams, startedAt, durationMs: null }]);
    let durationMs: number;
    try {
      const response = await labFetch('/api/sse/status');
      await response.text();
      durationMs = now() - startedAt;
    } catch {
      durationMs = Number.NaN;
    }
    setProbes((list) => list.map((p) => (p.startedAt === startedAt ? { ...p, durationMs } : p)));
  };

  const openStream = async () => {
    const n = (streamsRef.current.at(-1)?.n ?? 0) + 1;
    const channel = CHANNELS[(n - 1) % CHANNELS.length] ?? 'alerts';
    const es = new LabEventSource(record, { path: `/api/sse/feed?channels=${channel}`, types: [channel] });
    const stream: Stream = { n, es, state: es.state };
    es.subscribe({
      state: (state) => update(streamsRef.current.map((s) => (s.es === es ? { ...s, state } : s))),
    });
    const next = [...streamsRef.current, stream];
    update(next);
    setOpening(true);
    await new Promise<void>((resolve) => {
      const started = now();
      const check = setInterval(() => {
        if (es.state !== 'connecting' || now() - started > OPEN_WAIT_MS) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    setOpening(false);
    await probe(next.length);
  };

  const closeOldest = () => {
    const victim = streamsRef.current.find((s) => s.state !== 'closed');
    victim?.es.close();
    update(streamsRef.current.filter((s) => s !== victim));
  };

  const closeAll = () => {
    for (const s of streamsRef.current) s.es.close();
    update([]);
    setProbes([]);
  };

  const openCount = streams.filter((s) => s.state === 'open').length;

  return (
    <WidgetFrame
      title="Six connections per host"
      testId="six-widget"
      status={<span data-testid="six-open">{openCount} open</span>}
    >
      <div className={ui.row}>
        <button
          type="button"
          className="lab-button"
          data-testid="six-open-stream"
          disabled={opening || streams.length >= MAX_STREAMS}
          onClick={() => void openStream()}
        >
          Open stream #{(streams.at(-1)?.n ?? 0) + 1}
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="six-close-oldest"
          disabled={streams.length === 0}
          onClick={closeOldest}
        >
          Close the oldest stream
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="six-close-all"
          disabled={streams.length === 0}
          onClick={closeAll}
        >
          Close all and reset
        </button>
      </div>
      <div className={ui.columns}>
        <section className={styles.pane} aria-label="Streams">
          <h4>Streams (one EventSource each)</h4>
          <ol className={`${ui.log} ${styles.log}`} data-testid="six-streams">
            {streams.length === 0 && <li className={ui.empty}>None open.</li>}
            {streams.map((s) => (
              <li key={s.n} data-testid="six-stream" data-state={s.state}>
                #{s.n} {s.es.connId} <StreamStateBadge state={s.state} testId={`six-stream-${s.n}-state`} />
              </li>
            ))}
          </ol>
        </section>
        <section className={styles.pane} aria-label="Timed calls">
          <h4>GET /api/sse/status, timed after each open</h4>
          <WideTable className={`${ui.table} ${styles.table}`}>
            <thead>
              <tr>
                <th>streams</th>
                <th>call took</th>
              </tr>
            </thead>
            <tbody data-testid="six-probes">
              {probes.map((p) => {
                const ms = p.durationMs ?? now() - p.startedAt;
                const stalled = ms > STALL_MS;
                return (
                  <tr
                    key={p.startedAt}
                    data-testid="six-probe"
                    data-after={p.afterStreams}
                    data-duration={p.durationMs === null ? '' : p.durationMs.toFixed(1)}
                    data-stalled={String(stalled)}
                  >
                    <td>{p.afterStreams}</td>
                    <td>
                      {p.durationMs === null ? `waiting… ${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`}
                      {stalled && p.durationMs !== null ? ' (stalled)' : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </WideTable>
        </section>
      </div>
    </WidgetFrame>
  );
}
