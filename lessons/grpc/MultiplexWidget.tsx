'use client';

import { useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import { errorText, postLab } from './grpc';
import styles from './widgets.module.css';

interface ObservedCall {
  name: string;
  streamId: number | null;
  localPort: number | null;
  sentAt: number;
  headersAt: number | null;
  dataAt: number[];
  endedAt: number | null;
  status: string;
  sequences: number[];
}

interface ObservedRun {
  transport: 'http2' | 'http1.1';
  connections: number[];
  totalMs: number;
  calls: ObservedCall[];
}

interface Result {
  http2: ObservedRun;
  http1: ObservedRun;
}

function Run({ run, scale, title }: { run: ObservedRun; scale: number; title: string }) {
  const pct = (ms: number) => `${Math.min(100, (ms / scale) * 100)}%`;
  const finishOrder = [...run.calls].sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0)).map((c) => c.name);
  return (
    <div data-testid={`mux-run-${run.transport}`} data-connections={run.connections.length}>
      <h4>
        {title}: {run.connections.length} TCP connection{run.connections.length === 1 ? '' : 's'} (local port{' '}
        {run.connections.join(', ')}), all done in {run.totalMs.toFixed(0)} ms
      </h4>
      {run.calls.map((call) => (
        <div
          key={call.name}
          data-testid="mux-call"
          data-transport={run.transport}
          data-name={call.name}
          data-stream-id={call.streamId ?? ''}
          data-ended-at={call.endedAt ?? ''}
          data-status={call.status}
        >
          <span className={styles.laneLabel}>
            {call.name}
            {call.streamId !== null ? ` — stream ${call.streamId}` : ''}: {call.status}, transactions {call.sequences.join(', ')},
            done at {call.endedAt?.toFixed(0)} ms
          </span>
          <div className={styles.lane}>
            {/* Waiting: sent (or queued) but no response headers yet. */}
            <div
              className={styles.wait}
              style={{ left: pct(call.sentAt), width: pct((call.headersAt ?? call.sentAt) - call.sentAt) }}
            />
            <div
              className={styles.bar}
              style={{
                left: pct(call.headersAt ?? call.sentAt),
                width: pct((call.endedAt ?? 0) - (call.headersAt ?? call.sentAt)),
              }}
            />
            {call.dataAt.map((at, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: frames of one finished call, never reordered
              <div key={i} className={styles.tick} style={{ left: pct(at) }} title={`DATA at ${at} ms`} />
            ))}
          </div>
        </div>
      ))}
      <p className={styles.muted} data-testid={`mux-order-${run.transport}`}>
        Finished in this order: {finishOrder.join(' → ')}
      </p>
    </div>
  );
}

/** Experiment 3: three concurrent StreamTransactions (one slow) over one HTTP/2 connection, then over one HTTP/1.1 connection. */
export function MultiplexWidget() {
  const { fetch } = useLab();
  const [result, setResult] = useState<Result | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const run = async () => {
    setPending(true);
    setFailure(null);
    try {
      setResult(await postLab<Result>(fetch, '/api/grpc/lab/multiplex', {}));
    } catch (error: unknown) {
      setFailure(errorText(error));
    } finally {
      setPending(false);
    }
  };
  const scale = result ? Math.max(result.http2.totalMs, result.http1.totalMs) : 1;

  return (
    <WidgetFrame title="Three calls, one connection" testId="grpc-multiplex-widget">
      <div className={styles.row}>
        <button type="button" className="lab-button" onClick={() => void run()} disabled={pending} data-testid="mux-run">
          {pending ? 'Running both…' : 'Run over HTTP/2, then over HTTP/1.1'}
        </button>
        <span className={styles.muted}>slow: 3 transactions 600 ms apart; quick-a and quick-b: 3 transactions 40 ms apart</span>
      </div>
      {failure && <p className={styles.error}>{failure}</p>}
      {result && (
        <>
          <Run run={result.http2} scale={scale} title="HTTP/2 (native gRPC, h2c)" />
          <Run run={result.http1} scale={scale} title="HTTP/1.1 (Connect, one keep-alive connection)" />
          <p className={styles.muted}>
            Thin orange line: waiting for response headers. Bar: response in progress. Ticks: DATA arriving.
          </p>
        </>
      )}
    </WidgetFrame>
  );
}
