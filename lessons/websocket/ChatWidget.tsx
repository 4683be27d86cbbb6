'use client';

import { useEffect, useRef, useState } from 'react';
import { LabSocket, type SocketState } from '../../components/lab/clients/websocket';
import { DropButton } from '../../components/lab/DropButton';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { Outbox } from './outbox';
import { fullJitterReconnect, RECONNECT } from './reconnect';
import { MessageForm, StateBadge, usePostJson } from './shared';
import styles from './widgets.module.css';

type Role = 'customer' | 'agent';
type Status = 'queued' | 'sent' | 'acked' | 'delivered';

interface Line {
  key: number;
  kind: 'mine' | 'theirs' | 'system';
  text: string;
  id?: string;
  status?: Status;
}

/** Only the latest lines are kept. */
const LOG_LIMIT = 60;
/** A typing indicator is sent at most this often while the student types. */
const TYPING_EVERY_MS = 1_500;
/** The other side's indicator fades after this long without news. */
const TYPING_SHOWN_MS = 3_000;
const STATUS_MARK: Record<Status, string> = { queued: '⏳ queued', sent: '→ sent', acked: '✓', delivered: '✓✓' };

/** The raw-WebSocket support chat: a customer pane and an agent pane, one socket each. */
export function ChatWidget() {
  const [reconnect, setReconnect] = useState(false);
  const post = usePostJson();
  const [outage, setOutage] = useState<string | null>(null);

  const goDown = async () => {
    try {
      const { dropped } = await post<{ dropped: number }>('/api/ws/outage', { seconds: 4 });
      setOutage(`server down for 4 s; dropped ${dropped}`);
    } catch (error: unknown) {
      setOutage((error as Error).message);
    }
  };

  return (
    <WidgetFrame title="Support chat over raw WebSocket (/api/ws/chat)" testId="ws-chat">
      <div className={ui.columns}>
        <ChatPane as="customer" reconnect={reconnect} />
        <ChatPane as="agent" reconnect={reconnect} />
      </div>
      <div className={`${ui.row} ${styles.row}`}>
        <label>
          <input
            type="checkbox"
            data-testid="chat-reconnect"
            checked={reconnect}
            onChange={(e) => setReconnect(e.target.checked)}
          />{' '}
          Hand-written reconnect
        </label>
        <DropButton target="ws" />
        <button type="button" className="lab-button" data-variant="danger" data-testid="chat-outage" onClick={goDown}>
          Server down for 4 s
        </button>
        {outage && (
          <span className={ui.muted} role="status" data-testid="chat-outage-result">
            {outage}
          </span>
        )}
      </div>
      <p className={styles.constants} data-testid="chat-constants">
        delay(n) = random(0, min(MAX_DELAY_MS, BASE_DELAY_MS × FACTOR^(n−1))) with BASE_DELAY_MS = {RECONNECT.BASE_DELAY_MS},
        FACTOR = {RECONNECT.FACTOR}, MAX_DELAY_MS = {RECONNECT.MAX_DELAY_MS}
      </p>
    </WidgetFrame>
  );
}

function withLine(lines: Line[], line: Omit<Line, 'key'>): Line[] {
  return [...lines.slice(1 - LOG_LIMIT), { ...line, key: (lines.at(-1)?.key ?? 0) + 1 }];
}

function withStatus(lines: Line[], id: string, status: Status): Line[] {
  return lines.map((l) => (l.id === id && l.kind === 'mine' ? { ...l, status } : l));
}

function ChatPane({ as, reconnect }: { as: Role; reconnect: boolean }) {
  const { record } = useLab();
  const [socket, setSocket] = useState<LabSocket | null>(null);
  const [state, setState] = useState<SocketState>('connecting');
  const [lines, setLines] = useState<Line[]>([]);
  const [draft, setDraft] = useState('');
  const [typing, setTyping] = useState(false);
  const outbox = useRef<Outbox | null>(null);
  const lastTyping = useRef(0);
  const requests = useRef(0);
  const other = as === 'customer' ? 'agent' : 'customer';
  // The newest line's key: the log is capped, so its length stops changing once full.
  const logRef = useLogTail<HTMLOListElement>(lines.at(-1)?.key);

  const system = (text: string) => setLines((ls) => withLine(ls, { kind: 'system', text }));

  useEffect(() => {
    // Ids unique per page load, so a reloaded page never collides with ids the server remembers.
    const box = new Outbox(`${as[0]}${Math.random().toString(36).slice(2, 6)}`);
    outbox.current = box;
    const ws = new LabSocket(record, { path: '/api/ws/chat', query: { as }, reconnect: false });
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    const off = ws.subscribe({
      state: (s) => {
        setState(s);
        if (s !== 'open') return;
        // (Re)connected: send everything the server hasn't acknowledged, in order.
        for (const m of box.unacked()) {
          if (ws.send(box.wire(m))) setLines((ls) => withStatus(ls, m.id, 'sent'));
        }
      },
      message: (text) => {
        let m: Record<string, unknown>;
        try {
          m = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return;
        }
        const id = typeof m.id === 'string' ? m.id : '';
        switch (m.type) {
          case 'message':
            setLines((ls) => withLine(ls, { kind: 'theirs', id, text: `${String(m.from)}: ${String(m.text)}` }));
            setTyping(false);
            ws.send(JSON.stringify({ type: 'delivered', id }));
            break;
          case 'ack':
            box.ack(id);
            setLines((ls) =>
              ls.map((l) => (l.id === id && l.kind === 'mine' && l.status !== 'delivered' ? { ...l, status: 'acked' } : l)),
            );
            break;
          case 'delivered':
            setLines((ls) => withStatus(ls, id, 'delivered'));
            break;
          case 'typing':
            setTyping(m.typing === true);
            clearTimeout(typingTimer);
            typingTimer = setTimeout(() => setTyping(false), TYPING_SHOWN_MS);
            break;
          case 'response': {
            const r = m.result as { owner?: string; balance?: number; currency?: string } | undefined;
            const text = r
              ? `response ${id}: ${r.owner} has ${r.balance} ${r.currency}`
              : `response ${id}: error ${JSON.stringify(m.error)}`;
            setLines((ls) => withLine(ls, { kind: 'system', text }));
            break;
          }
          case 'error':
            setLines((ls) => withLine(ls, { kind: 'system', text: `protocol error (${String(m.code)}): ${String(m.message)}` }));
            break;
        }
      },
    });
    setSocket(ws);
    setState(ws.state);
    return () => {
      off();
      clearTimeout(typingTimer);
      ws.close();
    };
  }, [record, as]);

  useEffect(() => {
    socket?.setReconnect(reconnect ? fullJitterReconnect : false);
  }, [socket, reconnect]);

  const send = () => {
    const box = outbox.current;
    if (!draft || !box) return;
    const m = box.add(draft);
    const sent = state === 'open' && socket?.send(box.wire(m));
    setLines((ls) => withLine(ls, { kind: 'mine', id: m.id, text: `${as}: ${draft}`, status: sent ? 'sent' : 'queued' }));
    setDraft('');
  };

  const askBalance = () => {
    requests.current += 1;
    const id = `r-${requests.current}`;
    if (socket?.send(JSON.stringify({ type: 'request', id, method: 'balance', params: { account: '123' } }))) {
      system(`request ${id}: balance of account 123…`);
    }
  };

  return (
    <div className={styles.pane} data-testid={`chat-${as}`}>
      <p className={styles.paneTitle}>
        {as === 'customer' ? 'Customer' : 'Agent'} <StateBadge state={state} testId={`chat-${as}-state`} conn={socket?.connId} />
        {state === 'closed' && (
          <button type="button" className="lab-button" data-testid={`chat-${as}-connect`} onClick={() => socket?.reopen()}>
            Connect
          </button>
        )}
      </p>
      <ol
        ref={logRef}
        className={`${ui.log} ${styles.log}`}
        data-testid={`chat-${as}-log`}
        aria-label={`${as} messages`}
        aria-live="polite"
      >
        {lines.map((l) => (
          <li key={l.key} data-kind={l.kind} data-mine={l.kind === 'mine'} data-id={l.id} data-status={l.status}>
            {l.text}
            {l.status && <span className={ui.muted}> {STATUS_MARK[l.status]}</span>}
          </li>
        ))}
      </ol>
      <p className={styles.typing} data-testid={`chat-${as}-typing`}>
        {typing ? `${other} is typing…` : ''}
      </p>
      <MessageForm
        label={`Message as ${as}`}
        testId={`chat-${as}`}
        draft={draft}
        onDraft={(text) => {
          setDraft(text);
          const t = Date.now();
          if (t - lastTyping.current > TYPING_EVERY_MS && socket?.send(JSON.stringify({ type: 'typing', typing: true }))) {
            lastTyping.current = t;
          }
        }}
        onSend={send}
        sendLabel={state === 'open' ? 'Send' : 'Queue'}
      >
        {as === 'customer' && (
          <button
            type="button"
            className="lab-button"
            data-testid="chat-customer-balance"
            disabled={state !== 'open'}
            onClick={askBalance}
          >
            Ask balance
          </button>
        )}
      </MessageForm>
    </div>
  );
}
