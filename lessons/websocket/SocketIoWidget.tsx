'use client';

import { useEffect, useRef, useState } from 'react';
import { LabSocketIo, type SocketIoState } from '../../components/lab/clients/socketio';
import { DropButton } from '../../components/lab/DropButton';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { MessageForm, StateBadge, usePostJson } from './shared';
import styles from './widgets.module.css';

type Role = 'customer' | 'agent';
const LOG_LIMIT = 60;

/**
 * How the pane's last connect went. A first connect always starts a new session (there is
 * nothing to recover yet); only a reconnect is recovered, or not.
 */
type Recovery = 'new' | 'recovered' | 'not-recovered';
const RECOVERY_TEXT: Record<Recovery, string> = {
  new: 'new session',
  recovered: 'recovered',
  'not-recovered': 'not recovered',
};
/** data-recovered for tests: "true"/"false" after a reconnect, "new" after the first connect. */
const RECOVERY_ATTRIBUTE: Record<Recovery, string> = { new: 'new', recovered: 'true', 'not-recovered': 'false' };

/** The same support chat over socket.io, with connection state recovery on the server. */
export function SocketIoWidget() {
  const post = usePostJson();
  const [outcome, setOutcome] = useState<string | null>(null);

  const away = async (seconds: number) => {
    try {
      const { cut } = await post<{ cut: number }>('/api/socketio/outage', { server: 'chat', seconds, as: 'customer' });
      setOutcome(`customer offline for ${seconds} s (cut ${cut})`);
    } catch (error: unknown) {
      setOutcome((error as Error).message);
    }
  };

  return (
    <WidgetFrame title="Support chat over socket.io (/api/socketio/)" testId="sio-chat">
      <div className={ui.columns}>
        <SocketIoPane as="customer" />
        <SocketIoPane as="agent" />
      </div>
      <div className={`${ui.row} ${styles.row}`}>
        <DropButton target="socketio" label="Drop connections" />
        <button type="button" className="lab-button" data-variant="danger" data-testid="sio-away-short" onClick={() => away(2)}>
          Customer offline 2 s
        </button>
        <button type="button" className="lab-button" data-variant="danger" data-testid="sio-away-long" onClick={() => away(8)}>
          Customer offline 8 s
        </button>
        {outcome && (
          <span className={ui.muted} role="status" data-testid="sio-away-result">
            {outcome}
          </span>
        )}
      </div>
    </WidgetFrame>
  );
}

interface Line {
  key: number;
  text: string;
  id?: string;
  kind: string;
}

function withLine(lines: Line[], kind: string, text: string, id?: string): Line[] {
  return [...lines.slice(1 - LOG_LIMIT), { key: (lines.at(-1)?.key ?? 0) + 1, kind, text, id }];
}

function SocketIoPane({ as }: { as: Role }) {
  const { record } = useLab();
  const [client, setClient] = useState<LabSocketIo | null>(null);
  const [state, setState] = useState<SocketIoState>('connecting');
  const [transport, setTransport] = useState('');
  const [recovery, setRecovery] = useState<Recovery | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [draft, setDraft] = useState('');
  const counter = useRef(0);
  // The newest line's key: the log is capped, so its length stops changing once full.
  const logRef = useLogTail<HTMLOListElement>(lines.at(-1)?.key);

  const add = (kind: string, text: string, id?: string) => setLines((ls) => withLine(ls, kind, text, id));

  useEffect(() => {
    const add = (kind: string, text: string, id?: string) => setLines((ls) => withLine(ls, kind, text, id));
    const c = new LabSocketIo(record, { path: '/api/socketio/', query: { as }, label: as });
    const engineTransport = () => setTransport(c.socket.io.engine?.transport?.name ?? '');
    let connectedBefore = false;
    const off = c.subscribe({
      state: (s) => {
        setState(s);
        engineTransport();
      },
      connect: ({ recovered }) => {
        const first = !connectedBefore;
        connectedBefore = true;
        setRecovery(first ? 'new' : recovered ? 'recovered' : 'not-recovered');
        add(
          'system',
          first
            ? 'connected (a new session)'
            : recovered
              ? 'reconnected: state recovered, missed messages replayed'
              : 'reconnected, but not recovered: a fresh session, and what was sent meanwhile is lost',
        );
        c.socket.io.engine.on('upgrade', engineTransport);
        engineTransport();
      },
      event: (name, payload) => {
        const m = (payload ?? {}) as Record<string, unknown>;
        if (name === 'message') {
          add('theirs', `${String(m.from)}: ${String(m.text)}`, String(m.id));
          c.emit('delivered', { id: m.id });
        } else if (name === 'protocol-error') add('system', `protocol error: ${String(m.message)}`);
      },
    });
    setClient(c);
    return () => {
      off();
      c.close();
    };
  }, [record, as]);

  const send = async () => {
    if (!client || !draft) return;
    counter.current += 1;
    const id = `${as[0]}-${Date.now().toString(36)}-${counter.current}`;
    add('mine', `${as}: ${draft}`, id);
    setDraft('');
    try {
      await client.emitWithAck('message', { id, text: draft });
      setLines((ls) => ls.map((l) => (l.id === id ? { ...l, text: `${l.text} ✓` } : l)));
    } catch {
      add('system', `no ack for ${id} (timed out)`);
    }
  };

  return (
    <div className={styles.pane} data-testid={`sio-${as}`}>
      <p className={styles.paneTitle}>
        {as === 'customer' ? 'Customer' : 'Agent'} <StateBadge state={state} testId={`sio-${as}-state`} conn={client?.connId} />
        <span className={ui.muted} data-testid={`sio-${as}-transport`}>
          {transport}
        </span>
        <span
          className={ui.muted}
          data-testid={`sio-${as}-recovered`}
          data-recovered={recovery === null ? 'null' : RECOVERY_ATTRIBUTE[recovery]}
        >
          {recovery === null ? '' : RECOVERY_TEXT[recovery]}
        </span>
      </p>
      <ol
        ref={logRef}
        className={`${ui.log} ${styles.log}`}
        data-testid={`sio-${as}-log`}
        aria-label={`${as} messages`}
        aria-live="polite"
      >
        {lines.map((l) => (
          <li key={l.key} data-kind={l.kind} data-mine={l.kind === 'mine'} data-id={l.id}>
            {l.text}
          </li>
        ))}
      </ol>
      <MessageForm label={`Message as ${as}`} testId={`sio-${as}`} draft={draft} onDraft={setDraft} onSend={() => void send()} />
    </div>
  );
}
