'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { LabStreamReader, type ReaderStats } from '../../components/lab/clients/event-source';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { LineChart } from './LineChart';
import { StreamStateBadge } from './StreamState';
import { useServerLane } from './useLaneEvents';
import styles from './widgets.module.css';

const KIB = 1024;

/** A number input's value, if it is a whole number in range. */
function whole(text: string, min: number, max: number): number | null {
  const n = Number(text);
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

/**
 * A firehose read by a consumer the student can pause: a fetch stream
 * reader. While it is paused the browser stops taking bytes, and the
 * server reports (over the lab channel) how many bytes Node is holding for
 * that socket. With a bound, the server drops events instead, and counts.
 */
export function BackpressureWidget() {
  const { record } = useLab();
  const ids = { rate: useId(), size: useId(), bound: useId() };
  const [rate, setRate] = useState('200');
  const [size, setSize] = useState('16384');
  const [bound, setBound] = useState('0');
  const [reader, setReader] = useState<LabStreamReader | null>(null);
  const [state, setState] = useState<'idle' | 'open' | 'paused' | 'closed'>('idle');
  const [stats, setStats] = useState<ReaderStats | null>(null);
  const readerRef = useRef<LabStreamReader | null>(null);
  const reports = useServerLane(reader?.connId ?? null, 'note').filter((e) => e.detail?.fields?.buffered !== undefined);

  const values = { rate: whole(rate, 1, 1000), size: whole(size, 256, 65_536), bound: whole(bound, 0, 32 * KIB) };
  const valid = values.rate !== null && values.size !== null && values.bound !== null;

  const start = () => {
    if (!valid) return;
    readerRef.current?.close();
    const path = `/api/sse/firehose?rate=${values.rate}&size=${values.size}&bound=${(values.bound ?? 0) * KIB}`;
    const r = new LabStreamReader(record, path);
    r.subscribe((s, st) => {
      setStats(s);
      setState(st);
    });
    readerRef.current = r;
    setReader(r);
    setStats(null);
    setState('open');
  };

  useEffect(() => () => readerRef.current?.close(), []);

  const last = reports.at(-1)?.detail?.fields ?? {};
  const t0 = reports[0]?.at ?? 0;
  const points = reports.map((e) => [(e.at - t0) / 1000, Number(e.detail?.fields?.buffered ?? 0) / KIB] as const);
  const boundKiB = values.bound ?? 0;

  return (
    <WidgetFrame
      title="Backpressure: GET /api/sse/firehose"
      testId="backpressure-widget"
      status={<StreamStateBadge state={state} testId="bp-state" />}
    >
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        <label htmlFor={ids.rate}>events/s</label>
        <input
          id={ids.rate}
          className={`lab-input ${styles.number}`}
          data-testid="bp-rate"
          value={rate}
          onChange={(e) => setRate(e.target.value)}
        />
        <label htmlFor={ids.size}>bytes each</label>
        <input
          id={ids.size}
          className={`lab-input ${styles.number}`}
          data-testid="bp-size"
          value={size}
          onChange={(e) => setSize(e.target.value)}
        />
        <label htmlFor={ids.bound}>bound (KiB, 0 = none)</label>
        <input
          id={ids.bound}
          className={`lab-input ${styles.number}`}
          data-testid="bp-bound"
          value={bound}
          onChange={(e) => setBound(e.target.value)}
        />
        <button type="submit" className="lab-button" data-testid="bp-start" disabled={!valid}>
          {state === 'open' || state === 'paused' ? 'Restart' : 'Start'}
        </button>
      </form>
      <div className={ui.row}>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="bp-pause"
          disabled={state !== 'open'}
          onClick={() => reader?.pause()}
        >
          Pause reading
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="bp-resume"
          disabled={state !== 'paused'}
          onClick={() => reader?.resume()}
        >
          Resume reading
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="bp-stop"
          disabled={state !== 'open' && state !== 'paused'}
          onClick={() => reader?.close()}
        >
          Stop
        </button>
      </div>
      {!valid && <p className={styles.bad}>events/s: 1–1000; bytes: 256–65536; bound: 0–32768 KiB.</p>}
      <dl
        className={styles.facts}
        data-testid="bp-server"
        data-buffered={String(last.buffered ?? '')}
        data-dropped={String(last.dropped ?? '')}
        data-peak={String(last.peak ?? '')}
      >
        <div>
          <dt>server buffered</dt>
          <dd>{last.buffered === undefined ? '–' : `${(Number(last.buffered) / KIB).toFixed(0)} KiB`}</dd>
        </div>
        <div>
          <dt>peak</dt>
          <dd>{last.peak === undefined ? '–' : `${(Number(last.peak) / KIB).toFixed(0)} KiB`}</dd>
        </div>
        <div>
          <dt>written</dt>
          <dd>{String(last.written ?? '–')}</dd>
        </div>
        <div>
          <dt>dropped by the server</dt>
          <dd className={Number(last.dropped) > 0 ? styles.bad : undefined}>{String(last.dropped ?? '–')}</dd>
        </div>
      </dl>
      <dl className={styles.facts} data-testid="bp-client" data-read={stats?.eventsRead ?? 0} data-missing={stats?.missing ?? 0}>
        <div>
          <dt>page read</dt>
          <dd>{stats ? `${stats.eventsRead} events, ${(stats.bytesRead / KIB).toFixed(0)} KiB` : '–'}</dd>
        </div>
        <div>
          <dt>ids that never arrived</dt>
          <dd className={stats?.missing ? styles.bad : undefined}>{stats?.missing ?? '–'}</dd>
        </div>
      </dl>
      <LineChart
        testId="bp-chart"
        label="Bytes Node holds for this socket, over seconds"
        yUnit="KiB"
        series={[{ name: 'buffered', color: 'var(--accent)', points }]}
        marker={boundKiB > 0 ? { y: boundKiB, label: `bound ${boundKiB} KiB` } : undefined}
      />
    </WidgetFrame>
  );
}
