'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { LabEventSource } from '../../components/lab/clients/event-source';
import { getLabJson } from '../../components/lab/clients/plumbing';
import {
  type DeliveryStats,
  emptyStats,
  LongPoller,
  type Notification,
  percentile,
  ShortPoller,
} from '../../components/lab/clients/poller';
import { DropButton } from '../../components/lab/DropButton';
import { useLab, useTimeline } from '../../components/lab/LabProvider';
import { WideTable } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { now } from '../../lib/clock';
import { addId, type Continuity, emptyContinuity } from '../sse/continuity';
import { LineChart } from '../sse/LineChart';
import styles from '../sse/widgets.module.css';
import { FIELDS, problemsWith, whole } from './settings';

const TRANSPORTS = ['short', 'long', 'sse'] as const;
type Transport = (typeof TRANSPORTS)[number];
const LABELS: Record<Transport, string> = { short: 'short polling', long: 'long polling', sse: 'server-sent events' };
const COLORS: Record<Transport, string> = { short: 'var(--warning)', long: 'var(--accent)', sse: 'var(--ok)' };

interface Row {
  stats: DeliveryStats;
  continuity: Continuity;
  /** [notification id, delay ms] for the chart. */
  points: [number, number][];
}
const emptyRow = (): Row => ({ stats: emptyStats(), continuity: emptyContinuity(), points: [] });

/** What GET and POST /api/poll/source answer. */
interface SourceState {
  running: boolean;
  meanIntervalMs: number;
}

const describeSource = (state: SourceState) =>
  `source ${state.running ? 'running' : 'stopped'}, one notification every ~${state.meanIntervalMs} ms`;

/**
 * One notification source, read three ways at once: short polling, long
 * polling and an event stream. The table counts what each costs and how
 * late each notification arrives.
 */
export function PollingWidget() {
  const { store, record, fetch: labFetch } = useLab();
  const sessionId = useTimeline((s) => s.sessionId);
  const ids = { interval: useId(), timeout: useId(), mean: useId(), seed: useId() };
  const [enabled, setEnabled] = useState<Record<Transport, boolean>>({ short: true, long: true, sse: true });
  const [interval, setIntervalText] = useState('1000');
  const [timeout, setTimeoutText] = useState('30000');
  const [mean, setMean] = useState('2000');
  const [seed, setSeed] = useState('42');
  /** The source's state as the server last told it; null until it has (the page may load with it stopped). */
  const [sourceRunning, setSourceRunning] = useState<boolean | null>(null);
  const [rows, setRows] = useState<Record<Transport, Row>>({ short: emptyRow(), long: emptyRow(), sse: emptyRow() });
  const [running, setRunning] = useState(false);
  const [sourceNote, setSourceNote] = useState<string | null>(null);
  const stopAll = useRef<(() => void) | null>(null);
  /** Set once the student steers the source: a slower first read must not overwrite what they did. */
  const steered = useRef(false);

  const values = {
    interval: whole(interval, FIELDS.interval),
    timeout: whole(timeout, FIELDS.timeout),
    mean: whole(mean, FIELDS.mean),
    seed: whole(seed, FIELDS.seed),
  };
  const sourceProblems = problemsWith([
    [mean, FIELDS.mean],
    [seed, FIELDS.seed],
  ]);
  const clientProblems = problemsWith([
    [interval, FIELDS.interval],
    [timeout, FIELDS.timeout],
  ]);

  // The source lives on the server and outlives the page (a reload, another tab, a terminal): start from its state.
  useEffect(() => {
    if (!sessionId) return;
    let current = true;
    getLabJson<SourceState>('/api/poll/source')
      .then((state) => {
        if (!current || steered.current) return;
        setSourceRunning(state.running);
        setSourceNote(describeSource(state));
      })
      .catch(() => {
        // Unknown: assume the default (running), so the buttons still work.
        if (current && !steered.current) setSourceRunning(true);
      });
    return () => {
      current = false;
    };
  }, [sessionId]);

  /** Server time → delay on this page's clock (the lab channel measured the offset). */
  const delayOf = (n: Notification) => now() - (n.at - store.getState().clockOffset);

  const deliver = (transport: Transport, stats: DeliveryStats, notifications: Notification[]) =>
    setRows((r) => {
      const row = r[transport];
      let continuity = row.continuity;
      const points = [...row.points];
      notifications.forEach((n, i) => {
        continuity = addId(continuity, n.id);
        points.push([n.id, stats.delays[stats.delays.length - notifications.length + i] ?? 0]);
      });
      return { ...r, [transport]: { stats: { ...stats, delays: [...stats.delays] }, continuity, points: points.slice(-200) } };
    });

  const start = () => {
    stopAll.current?.();
    setRows({ short: emptyRow(), long: emptyRow(), sse: emptyRow() });
    const stops: (() => void)[] = [];
    if (enabled.short && values.interval !== null) {
      const p = new ShortPoller(labFetch, { delayOf, onChange: (s, n) => deliver('short', s, n) }, values.interval);
      stops.push(() => p.stop());
    }
    if (enabled.long && values.timeout !== null) {
      const p = new LongPoller(labFetch, { delayOf, onChange: (s, n) => deliver('long', s, n) }, values.timeout);
      stops.push(() => p.stop());
    }
    if (enabled.sse) {
      const stats = emptyStats();
      stats.requests = 1;
      const es = new LabEventSource(record, { path: '/api/sse/notifications', types: ['notification', 'gap'], protocol: 'sse' });
      es.subscribe({
        event: (e) => {
          stats.bytes += e.wireBytes;
          if (e.type !== 'notification') return;
          const n = JSON.parse(e.data) as Notification;
          stats.delays.push(delayOf(n));
          stats.delivered += 1;
          deliver('sse', stats, [n]);
        },
        reconnected: () => {
          stats.requests += 1;
        },
      });
      stops.push(() => es.close());
    }
    stopAll.current = () => {
      for (const stopOne of stops) stopOne();
    };
    setRunning(true);
  };

  const stop = () => {
    stopAll.current?.();
    stopAll.current = null;
    setRunning(false);
  };

  useEffect(() => () => stopAll.current?.(), []);

  const steer = async (body: Record<string, unknown>) => {
    steered.current = true;
    const response = await labFetch('/api/poll/source', {
      method: 'POST',
      protocol: 'lab',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const state = (await response.json()) as SourceState & { detail?: string };
    setSourceNote(response.ok ? describeSource(state) : `${state.detail}`);
    if (response.ok) setSourceRunning(state.running);
  };

  const emitOne = async () => {
    const response = await labFetch('/api/poll/notifications', { method: 'POST', protocol: 'polling' });
    await response.text();
  };

  const valid = clientProblems.length === 0;

  return (
    <WidgetFrame
      title="One source, three ways to hear it"
      testId="polling-widget"
      status={<span data-testid="polling-running">{running ? 'running' : 'stopped'}</span>}
    >
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          if (values.mean !== null && values.seed !== null) void steer({ meanIntervalMs: values.mean, seed: values.seed });
        }}
      >
        <strong>Source</strong>
        <label htmlFor={ids.mean}>mean gap (ms)</label>
        <input
          id={ids.mean}
          className={`lab-input ${styles.number}`}
          data-testid="source-mean"
          value={mean}
          onChange={(e) => setMean(e.target.value)}
        />
        <label htmlFor={ids.seed}>seed</label>
        <input
          id={ids.seed}
          className={`lab-input ${styles.number}`}
          data-testid="source-seed"
          value={seed}
          onChange={(e) => setSeed(e.target.value)}
        />
        <button
          type="submit"
          className="lab-button"
          data-variant="secondary"
          data-testid="source-apply"
          disabled={sourceProblems.length > 0}
        >
          Apply (restarts the seed)
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="source-toggle"
          disabled={sourceRunning === null}
          onClick={() => void steer({ running: !sourceRunning })}
        >
          {sourceRunning === false ? 'Start the source' : 'Stop the source'}
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="source-emit"
          onClick={() => void emitOne()}
        >
          One notification now
        </button>
      </form>
      {sourceProblems.length > 0 && (
        <p className={styles.bad} data-testid="source-problem">
          {sourceProblems.join(' ')}
        </p>
      )}
      {sourceNote && (
        <p className={ui.muted} role="status" data-testid="source-note">
          {sourceNote}
        </p>
      )}
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) start();
        }}
      >
        <strong>Clients</strong>
        {TRANSPORTS.map((t) => (
          <label key={t}>
            <input
              type="checkbox"
              data-testid={`enable-${t}`}
              checked={enabled[t]}
              onChange={(e) => setEnabled((en) => ({ ...en, [t]: e.target.checked }))}
            />{' '}
            {LABELS[t]}
          </label>
        ))}
        <label htmlFor={ids.interval}>poll every (ms)</label>
        <input
          id={ids.interval}
          className={`lab-input ${styles.number}`}
          data-testid="short-interval"
          value={interval}
          onChange={(e) => setIntervalText(e.target.value)}
        />
        <label htmlFor={ids.timeout}>long-poll timeout (ms)</label>
        <input
          id={ids.timeout}
          className={`lab-input ${styles.number}`}
          data-testid="long-timeout"
          value={timeout}
          onChange={(e) => setTimeoutText(e.target.value)}
        />
        <button type="submit" className="lab-button" data-testid="polling-start" disabled={!valid}>
          {running ? 'Restart' : 'Start'}
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="polling-stop"
          disabled={!running}
          onClick={stop}
        >
          Stop
        </button>
      </form>
      {!valid && (
        <p className={styles.bad} data-testid="clients-problem">
          {clientProblems.join(' ')}
        </p>
      )}
      <WideTable className={`${ui.table} ${styles.table}`} data-testid="polling-table">
        <thead>
          <tr>
            <th>client</th>
            <th>requests</th>
            <th>empty answers</th>
            <th>bytes received</th>
            <th>delivered</th>
            <th>ids missing</th>
            <th>delay p50</th>
            <th>delay max</th>
          </tr>
        </thead>
        <tbody>
          {TRANSPORTS.map((t) => {
            const { stats, continuity } = rows[t];
            const p50 = percentile(stats.delays, 50);
            const max = percentile(stats.delays, 100);
            return (
              <tr
                key={t}
                data-testid={`row-${t}`}
                data-requests={stats.requests}
                data-empty={stats.emptyAnswers}
                data-bytes={stats.bytes}
                data-delivered={stats.delivered}
                data-missing={continuity.missing}
                data-duplicates={continuity.duplicates}
                data-p50={p50?.toFixed(1) ?? ''}
                data-max={max?.toFixed(1) ?? ''}
              >
                <td style={{ color: COLORS[t] }}>{LABELS[t]}</td>
                <td>{stats.requests}</td>
                <td>{stats.emptyAnswers}</td>
                <td>{stats.bytes.toLocaleString('en')}</td>
                <td>{stats.delivered}</td>
                <td>{continuity.missing}</td>
                <td>{p50 === undefined ? '–' : `${p50.toFixed(0)} ms`}</td>
                <td>{max === undefined ? '–' : `${max.toFixed(0)} ms`}</td>
              </tr>
            );
          })}
        </tbody>
      </WideTable>
      <LineChart
        testId="polling-chart"
        label="Delivery delay per notification (x: notification id)"
        yUnit="ms"
        series={TRANSPORTS.filter((t) => rows[t].points.length > 0).map((t) => ({
          name: LABELS[t],
          color: COLORS[t],
          points: rows[t].points,
        }))}
      />
      <div className={ui.row}>
        <DropButton target="polling" label="Drop the parked long poll" />
        <DropButton target="sse" label="Drop the event stream" />
      </div>
    </WidgetFrame>
  );
}
