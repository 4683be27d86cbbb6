'use client';

import { useMemo, useRef, useState } from 'react';
import { shortId } from '../../components/lab/clients/recorder';
import { LineCounter, readStream } from '../../components/lab/clients/stream';
import { DropButton } from '../../components/lab/DropButton';
import { useLab, useTimeline } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import styles from './widgets.module.css';

type Mode = 'stream' | 'buffer';
const ROW_CHOICES = [100_000, 300_000, 1_000_000];
const COLORS: Record<Mode, string> = { stream: 'var(--tip)', buffer: 'var(--danger)' };

/** One memory sample: seconds since the first, MB the export holds, MB of process heap above its start. */
interface Sample {
  t: number;
  mb: number;
  heap: number;
}

interface Progress {
  mode: Mode;
  rows: number;
  bytes: number;
  rate: number;
  state: 'running' | 'completed' | 'cancelled' | 'failed';
}

/**
 * The million-row export, streamed or buffered: the page counts rows as they
 * arrive (without keeping them), and charts what the server holds for it from the
 * samples the server puts on the timeline.
 */
export function ExportWidget() {
  const { record, store } = useLab();
  const [rows, setRows] = useState(1_000_000);
  const [format, setFormat] = useState<'ndjson' | 'csv'>('ndjson');
  const [progress, setProgress] = useState<Progress | null>(null);
  const [conns, setConns] = useState<Partial<Record<Mode, string>>>({});
  const controller = useRef<AbortController | null>(null);
  const version = useTimeline((s) => s.version);

  // Server memory samples for the latest run of each mode: what the export holds, and the process heap above its start (MB).
  const series = useMemo(() => {
    void version;
    const out: Partial<Record<Mode, Sample[]>> = {};
    for (const mode of ['stream', 'buffer'] as const) {
      const conn = conns[mode];
      if (!conn) continue;
      const samples = store
        .getState()
        .events.filter((e) => e.conn === conn && e.origin === 'server' && e.detail?.fields?.sample === 'memory');
      const t0 = samples[0]?.at ?? 0;
      out[mode] = samples.map((e) => ({
        t: (e.at - t0) / 1000,
        mb: Number(e.detail?.fields?.heldMb),
        heap: Number(e.detail?.fields?.heapDeltaMb),
      }));
    }
    return out;
  }, [version, conns, store]);

  const start = async (mode: Mode) => {
    const conn = shortId(`export-${mode}`);
    setConns((c) => ({ ...c, [mode]: conn }));
    controller.current = new AbortController();
    const counter = new LineCounter();
    const header = format === 'csv' ? 1 : 0;
    setProgress({ mode, rows: 0, bytes: 0, rate: 0, state: 'running' });
    const outcome = await readStream(record, `/api/stream/export?mode=${mode}&format=${format}&rows=${rows}`, {
      label: `${mode === 'stream' ? 'streamed' : 'buffered'} export`,
      conn,
      signal: controller.current.signal,
      onChunk: (chunk, p) => {
        counter.add(chunk);
        setProgress({
          mode,
          rows: Math.max(0, counter.lines - header),
          bytes: p.bytes,
          rate: p.bytesPerSecond,
          state: 'running',
        });
      },
    });
    setProgress({
      mode,
      rows: Math.max(0, counter.lines - header),
      bytes: outcome.bytes,
      rate: outcome.bytesPerSecond,
      state: outcome.ending,
    });
  };

  const running = progress?.state === 'running';
  const fraction = progress ? progress.rows / rows : 0;
  return (
    <WidgetFrame title="GET /api/stream/export — stream vs buffer" testId="export-widget">
      <div className={`${ui.row} ${styles.row}`}>
        <label>
          Rows{' '}
          <select
            className="lab-input"
            data-testid="export-rows-choice"
            value={rows}
            disabled={running}
            onChange={(e) => setRows(Number(e.target.value))}
          >
            {ROW_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n.toLocaleString('en')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Format{' '}
          <select
            className="lab-input"
            value={format}
            disabled={running}
            onChange={(e) => setFormat(e.target.value as 'ndjson' | 'csv')}
          >
            <option value="ndjson">NDJSON</option>
            <option value="csv">CSV</option>
          </select>
        </label>
        {(['stream', 'buffer'] as const).map((mode) => (
          <button
            key={mode}
            type="button"
            className="lab-button"
            data-testid={`export-${mode}`}
            disabled={running}
            onClick={() => void start(mode)}
          >
            {mode === 'stream' ? 'Stream it' : 'Buffer it'}
          </button>
        ))}
        <button
          type="button"
          className="lab-button"
          data-variant="danger"
          data-testid="export-cancel"
          disabled={!running}
          onClick={() => controller.current?.abort()}
        >
          Cancel
        </button>
        <DropButton target="stream" />
      </div>
      <progress className={styles.bar} max={1} value={fraction} data-testid="export-bar" />
      {progress && (
        <p className={styles.note} data-testid="export-progress" data-state={progress.state} data-rows={progress.rows}>
          {progress.mode === 'stream' ? 'Streamed' : 'Buffered'} export {progress.state}: {progress.rows.toLocaleString('en')}{' '}
          rows, {(progress.bytes / 1024 / 1024).toFixed(1)} MB, {(progress.rate / 1024 / 1024).toFixed(1)} MB/s
        </p>
      )}
      <MemoryChart series={series} />
    </WidgetFrame>
  );
}

function MemoryChart({ series }: { series: Partial<Record<Mode, Sample[]>> }) {
  const all = [...(series.stream ?? []), ...(series.buffer ?? [])];
  const maxT = Math.max(1, ...all.map((p) => p.t));
  const maxMb = Math.max(4, ...all.map((p) => p.mb));
  const W = 600;
  const H = 160;
  const path = (points: { t: number; mb: number }[]) =>
    points
      .map(
        (p, i) =>
          `${i === 0 ? 'M' : 'L'}${((p.t / maxT) * (W - 40) + 35).toFixed(1)},${(H - 15 - (Math.max(0, p.mb) / maxMb) * (H - 25)).toFixed(1)}`,
      )
      .join(' ');
  const peak = (mode: Mode, of: (p: Sample) => number = (p) => p.mb) => {
    const points = series[mode];
    return points?.length ? Math.max(...points.map(of)) : null;
  };
  return (
    <div>
      <svg
        className={styles.chart}
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label="Memory the server holds for each export, MB"
        data-testid="export-chart"
      >
        <text x="4" y="14" fontSize="11" fill="currentColor">
          {maxMb.toFixed(0)} MB
        </text>
        <text x="4" y={H - 4} fontSize="11" fill="currentColor">
          0 · {maxT.toFixed(1)} s →
        </text>
        {(['stream', 'buffer'] as const).map((mode) =>
          series[mode]?.length ? (
            <path key={mode} d={path(series[mode] ?? [])} fill="none" stroke={COLORS[mode]} strokeWidth="2" />
          ) : null,
        )}
      </svg>
      <p className={styles.legend}>
        {(['stream', 'buffer'] as const).map((mode) => (
          <span key={mode} data-testid={`export-peak-${mode}`} data-peak={peak(mode) ?? ''}>
            <span className={styles.swatch} style={{ background: COLORS[mode] }} />
            {mode === 'stream' ? 'streamed' : 'buffered'}: held at most{' '}
            {peak(mode) === null ? '—' : `${peak(mode)?.toFixed(1)} MB`} (process heap peak{' '}
            {peak(mode, (p) => p.heap) === null ? '—' : `+${peak(mode, (p) => p.heap)?.toFixed(1)} MB`})
          </span>
        ))}
      </p>
    </div>
  );
}
