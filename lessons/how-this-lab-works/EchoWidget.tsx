'use client';

import { useEffect, useId, useState } from 'react';
import { LabSocket, type SocketState } from '../../components/lab/clients/websocket';
import { DropButton } from '../../components/lab/DropButton';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { echoTooBig, MESSAGE_TOO_BIG } from './echo-limit';
import styles from './widgets.module.css';

/** Only the latest lines are kept: enough to follow along, never a memory leak. */
const LOG_LIMIT = 50;

interface LogLine {
  id: number;
  dir: 'sent' | 'echoed';
  text: string;
}

function withLine(lines: LogLine[], dir: LogLine['dir'], text: string): LogLine[] {
  const id = (lines.at(-1)?.id ?? 0) + 1;
  return [...lines.slice(1 - LOG_LIMIT), { id, dir, text }];
}

/** Opens the echo socket for as long as the widget is on the page; exposes its state and messages. */
function useEchoSocket() {
  const { record } = useLab();
  const [socket, setSocket] = useState<LabSocket | null>(null);
  const [state, setState] = useState<SocketState>('connecting');
  const [log, setLog] = useState<LogLine[]>([]);
  /** Set when the server closed the socket over a message it refused: the reconnect alone would hide that. */
  const [refused, setRefused] = useState<string | null>(null);

  useEffect(() => {
    const ws = new LabSocket(record, { path: '/api/intro/echo' });
    const unsubscribe = ws.subscribe({
      state: setState,
      message: (text) => setLog((lines) => withLine(lines, 'echoed', text)),
      close: ({ code, reason }) => {
        if (code === MESSAGE_TOO_BIG) {
          setRefused(
            `The server closed the socket with code ${MESSAGE_TOO_BIG} (message too big${reason ? `: ${reason}` : ''}): ` +
              'your last message was not echoed. The socket reconnects by itself.',
          );
        }
      },
    });
    setSocket(ws);
    setState(ws.state);
    return () => {
      unsubscribe();
      ws.close();
    };
  }, [record]);

  const send = (text: string): boolean => {
    const sent = socket?.send(text) ?? false;
    if (sent) {
      setRefused(null);
      setLog((lines) => withLine(lines, 'sent', text));
    }
    return sent;
  };

  return { state, log, send, refused };
}

/** A WebSocket that echoes what you send, with a button to cut it from the server side. */
export function EchoWidget() {
  const { state, log, send, refused } = useEchoSocket();
  const inputId = useId();
  const [draft, setDraft] = useState('hello, lab');
  // Checked before sending: the server would close the socket over a message this big, and the message would be lost.
  const tooBig = echoTooBig(draft);
  const logRef = useLogTail<HTMLOListElement>(log);

  return (
    <WidgetFrame title="WebSocket /api/intro/echo" testId="echo-widget" status={<SocketStateBadge state={state} />}>
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          if (draft && !tooBig && send(draft)) setDraft('');
        }}
      >
        <label htmlFor={inputId}>Message</label>
        <input
          id={inputId}
          className={`lab-input ${ui.grow}`}
          data-testid="echo-input"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          autoComplete="off"
        />
        <button
          type="submit"
          className="lab-button"
          data-testid="echo-send"
          disabled={state !== 'open' || !draft || tooBig !== null}
        >
          Send
        </button>
      </form>
      {(tooBig ?? refused) && (
        <p className={ui.error} data-testid="echo-error" role="alert">
          {tooBig ?? refused}
        </p>
      )}
      <ol ref={logRef} className={`${ui.log} ${styles.log}`} data-testid="echo-log" aria-label="Messages" aria-live="polite">
        {log.length === 0 && <li className={ui.empty}>No messages yet.</li>}
        {log.map((line) => (
          <li key={line.id} data-testid="echo-line" data-dir={line.dir}>
            <span className={styles.arrow} aria-hidden="true">
              {line.dir === 'sent' ? '→' : '←'}
            </span>
            <span className="visually-hidden">{line.dir}: </span>
            {line.text}
          </li>
        ))}
      </ol>
      <div>
        <DropButton target="websocket" />
      </div>
    </WidgetFrame>
  );
}

function SocketStateBadge({ state }: { state: SocketState }) {
  return (
    <span className={ui.state} data-testid="echo-state" data-state={state}>
      {state}
    </span>
  );
}
