'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { LabSocketIo, type SocketIoState, type SocketIoTransport } from '../../components/lab/clients/socketio';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { MessageForm, StateBadge, useLaneEvents, usePostJson } from './shared';
import styles from './widgets.module.css';

type User = 'A' | 'B';
interface PubSubState {
  backend: 'redis' | 'in-process';
  enabled: boolean;
}

/** How the panes' socket.io clients connect: socket.io's default, or one transport only. */
type TransportChoice = 'default' | 'polling' | 'websocket';
const TRANSPORTS: Record<TransportChoice, { label: string; transports?: SocketIoTransport[]; why: string }> = {
  default: {
    label: 'long-polling, then WebSocket (socket.io’s default)',
    why: 'The handshake and the first messages go over long-polling, then the connection upgrades to a WebSocket.',
  },
  polling: {
    label: 'long-polling only',
    transports: ['polling'],
    why: 'No upgrade: every message, and every wait for one, is a separate HTTP request, and each passes the load balancer on its own. That is where stickiness matters, so this is the transport for the sticky-sessions experiment.',
  },
  websocket: {
    label: 'WebSocket only',
    transports: ['websocket'],
    why: 'One WebSocket per user, routed once, when it opens. After that there is nothing left to route.',
  },
};
const RECONNECT = {
  /** Slower than the lab's other socket.io panes, so each failed attempt can be read on the timeline. */
  firstDelayMs: 1_500,
  maxDelayMs: 3_000,
};

/**
 * Two users behind a load balancer in front of two socket.io instances.
 * Pub/sub, sticky sessions and "server dies" apply to this student's session only.
 */
export function ScalingWidget() {
  const { fetch: labFetch } = useLab();
  const post = usePostJson();
  const [pubsub, setPubsub] = useState<PubSubState | null>(null);
  const [sticky, setSticky] = useState<boolean | null>(null);
  const [transport, setTransport] = useState<TransportChoice>('default');
  const [connected, setConnected] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const transportId = useId();

  useEffect(() => {
    void labFetch('/api/socketio/pubsub', { protocol: 'lab' })
      .then((r) => r.json())
      .then((body: PubSubState) => setPubsub(body))
      .catch(() => undefined);
    void labFetch('/api/socketio/sticky', { protocol: 'lab' })
      .then((r) => r.json())
      .then((body: { enabled: boolean }) => setSticky(body.enabled))
      .catch(() => undefined);
  }, [labFetch]);

  const toggleSticky = async (enabled: boolean) => {
    setSticky(enabled);
    try {
      setSticky((await post<{ enabled: boolean }>('/api/socketio/sticky', { enabled })).enabled);
    } catch (error: unknown) {
      setSticky(!enabled);
      setOutcome((error as Error).message);
    }
  };

  const toggle = async (enabled: boolean) => {
    // Show the switch flipped at once; the server's answer then confirms it (or puts it back).
    setPubsub((current) => (current ? { ...current, enabled } : current));
    try {
      setPubsub(await post<PubSubState>('/api/socketio/pubsub', { enabled }));
    } catch (error: unknown) {
      setPubsub((current) => (current ? { ...current, enabled: !enabled } : current));
      setOutcome((error as Error).message);
    }
  };

  const kill = async (server: '1' | '2') => {
    try {
      const { cut } = await post<{ cut: number }>('/api/socketio/outage', { server, seconds: 10 });
      setOutcome(`server ${server} is down for your session for 10 s (cut ${cut})`);
    } catch (error: unknown) {
      setOutcome((error as Error).message);
    }
  };

  return (
    <WidgetFrame title="Two socket.io servers behind a load balancer" testId="sio-scaling">
      <p className={ui.muted} data-testid="pubsub-backend" data-backend={pubsub?.backend ?? ''}>
        {pubsub === null
          ? 'Asking the lab which pub/sub it has…'
          : pubsub.backend === 'redis'
            ? 'Pub/sub: a real Redis server, through @socket.io/redis-adapter.'
            : 'Pub/sub: the in-process stand-in (no Redis on this machine). It passes messages between the two instances inside the lab process, the way Redis would between machines.'}
      </p>
      <div className={`${ui.row} ${styles.row}`}>
        <label>
          <input
            type="checkbox"
            data-testid="pubsub-toggle"
            disabled={pubsub === null}
            checked={pubsub?.enabled ?? false}
            onChange={(e) => void toggle(e.target.checked)}
          />{' '}
          Pub/sub between the servers (your session only)
        </label>
        <label>
          <input
            type="checkbox"
            data-testid="sticky-toggle"
            data-sticky={sticky === null ? '' : String(sticky)}
            disabled={sticky === null}
            checked={sticky ?? true}
            onChange={(e) => void toggleSticky(e.target.checked)}
          />{' '}
          Sticky sessions (your session only): {sticky === false ? 'off, round-robin' : 'on'}
        </label>
      </div>
      <div className={`${ui.row} ${styles.row}`}>
        <label htmlFor={transportId}>Transport</label>
        <select
          id={transportId}
          className="lab-input"
          data-testid="scaling-transport"
          value={transport}
          onChange={(e) => setTransport(e.target.value as TransportChoice)}
        >
          {(Object.keys(TRANSPORTS) as TransportChoice[]).map((key) => (
            <option key={key} value={key}>
              {TRANSPORTS[key].label}
            </option>
          ))}
        </select>
        {!connected && (
          <button type="button" className="lab-button" data-testid="scaling-connect" onClick={() => setConnected(true)}>
            Connect users A and B
          </button>
        )}
      </div>
      <p className={ui.muted} data-testid="scaling-transport-why">
        {TRANSPORTS[transport].why}
      </p>
      {connected && (
        <>
          {/* A new transport means new connections: the panes remount with fresh clients. */}
          <div className={ui.columns} key={transport}>
            <UserPane user="A" transports={TRANSPORTS[transport].transports} />
            <UserPane user="B" transports={TRANSPORTS[transport].transports} />
          </div>
          <div className={`${ui.row} ${styles.row}`}>
            <button type="button" className="lab-button" data-variant="danger" data-testid="kill-1" onClick={() => kill('1')}>
              Server 1 dies (10 s)
            </button>
            <button type="button" className="lab-button" data-variant="danger" data-testid="kill-2" onClick={() => kill('2')}>
              Server 2 dies (10 s)
            </button>
            {outcome && (
              <span className={ui.muted} role="status" data-testid="scaling-outcome">
                {outcome}
              </span>
            )}
          </div>
        </>
      )}
    </WidgetFrame>
  );
}

interface Line {
  key: number;
  text: string;
  kind: string;
}

function withLine(lines: Line[], kind: string, text: string): Line[] {
  return [...lines.slice(-59), { key: (lines.at(-1)?.key ?? 0) + 1, kind, text }];
}

function UserPane({ user, transports }: { user: User; transports: SocketIoTransport[] | undefined }) {
  const { record } = useLab();
  const [client, setClient] = useState<LabSocketIo | null>(null);
  const [state, setState] = useState<SocketIoState>('connecting');
  const [server, setServer] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [draft, setDraft] = useState('');
  const counter = useRef(0);
  // The newest line's key: the log is capped, so its length stops changing once full.
  const logRef = useLogTail<HTMLOListElement>(lines.at(-1)?.key);
  const add = (kind: string, text: string) =>
    setLines((ls) => [...ls.slice(-59), { key: (ls.at(-1)?.key ?? 0) + 1, kind, text }]);

  useEffect(() => {
    const add = (kind: string, text: string) => setLines((ls) => withLine(ls, kind, text));
    const c = new LabSocketIo(record, {
      path: '/api/socketio/lb/',
      query: { user, as: user === 'A' ? 'customer' : 'agent' },
      label: `user ${user}`,
      reconnectionDelayMs: RECONNECT.firstDelayMs,
      reconnectionDelayMaxMs: RECONNECT.maxDelayMs,
      ...(transports ? { transports } : {}),
    });
    const off = c.subscribe({
      state: setState,
      event: (name, payload) => {
        const m = (payload ?? {}) as Record<string, unknown>;
        if (name === 'welcome') {
          setServer(String(m.server));
          add('system', `connected to ${String(m.server)}${m.recovered ? ' (recovered)' : ''}`);
        } else if (name === 'message')
          add('theirs', `${String(m.from) === 'customer' ? 'A' : 'B'}: ${String(m.text)} (via ${String(m.server)})`);
      },
    });
    setClient(c);
    return () => {
      off();
      c.close();
    };
  }, [record, user, transports]);
  // engine.io's refusals of this user's requests, e.g. 400 "Session ID unknown" from the server that doesn't hold its sid.
  const refused = useLaneEvents(client?.connId, (e) => e.origin === 'server' && e.kind === 'error');

  const send = async () => {
    if (!client || !draft) return;
    counter.current += 1;
    const id = `${user}-${Date.now().toString(36)}-${counter.current}`;
    add('mine', `${user}: ${draft}`);
    setDraft('');
    await client.emitWithAck('message', { id, text: draft }).catch(() => add('system', 'no ack (timed out)'));
  };

  return (
    <div className={styles.pane} data-testid={`user-${user}`}>
      <p className={styles.paneTitle}>
        User {user} <StateBadge state={state} testId={`user-${user}-state`} conn={client?.connId} />
        <span className={ui.muted} data-testid={`user-${user}-server`} data-server={server}>
          {server ? `on ${server}` : ''}
        </span>
      </p>
      {refused.length > 0 && (
        <p className={styles.error} data-testid={`user-${user}-refused`} data-count={refused.length}>
          {refused.length} request{refused.length === 1 ? '' : 's'} refused: {refused.at(-1)?.summary}
        </p>
      )}
      <ol
        ref={logRef}
        className={`${ui.log} ${styles.log}`}
        data-testid={`user-${user}-log`}
        aria-label={`user ${user} messages`}
        aria-live="polite"
      >
        {lines.map((l) => (
          <li key={l.key} data-kind={l.kind} data-mine={l.kind === 'mine'}>
            {l.text}
          </li>
        ))}
      </ol>
      <MessageForm
        label={`Message as user ${user}`}
        testId={`user-${user}`}
        draft={draft}
        onDraft={setDraft}
        onSend={() => void send()}
        sendDisabled={state !== 'open'}
      />
    </div>
  );
}
