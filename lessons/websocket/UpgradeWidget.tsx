'use client';

import { useEffect, useState } from 'react';
import { LabSocket, type SocketState } from '../../components/lab/clients/websocket';
import { useLab } from '../../components/lab/LabProvider';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { StateBadge, useLaneEvents } from './shared';
import styles from './widgets.module.css';

/** RFC 6455 §1.3: every WebSocket server appends this GUID to the client's key. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** base64(SHA-1(key + GUID)), computed here in the browser with Web Crypto. */
async function acceptFor(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(key + GUID));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

function headerLines(headers: Record<string, string> | undefined): string {
  return Object.entries(headers ?? {})
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

/** Opens a WebSocket and shows its opening handshake as the server saw it, checking Sec-WebSocket-Accept live. */
export function UpgradeWidget() {
  const { record } = useLab();
  const [socket, setSocket] = useState<LabSocket | null>(null);
  const [state, setState] = useState<SocketState | 'idle'>('idle');
  const [computed, setComputed] = useState<string | null>(null);

  useEffect(() => () => socket?.close(), [socket]);

  const open = () => {
    socket?.close();
    setComputed(null);
    const ws = new LabSocket(record, { path: '/api/ws/echo', reconnect: false });
    ws.subscribe({ state: setState });
    setState(ws.state);
    setSocket(ws);
  };

  const request = useLaneEvents(socket?.connId, (e) => e.origin === 'server' && e.kind === 'request').at(-1);
  const response = useLaneEvents(socket?.connId, (e) => e.origin === 'server' && e.kind === 'response').at(-1);
  const key = request?.detail?.headers?.['sec-websocket-key'];
  const sent = response?.detail?.headers?.['sec-websocket-accept'];

  useEffect(() => {
    if (key) void acceptFor(key).then(setComputed);
  }, [key]);

  return (
    <WidgetFrame
      title="The upgrade handshake"
      testId="ws-upgrade"
      status={<StateBadge state={state} testId="upgrade-state" conn={socket?.connId} />}
    >
      <div className={`${ui.row} ${styles.row}`}>
        <button type="button" className="lab-button" data-testid="upgrade-open" onClick={open}>
          {socket ? 'Open another WebSocket' : 'Open a WebSocket'}
        </button>
        <span className={ui.muted}>to /api/ws/echo; the headers below are what the server received and sent.</span>
      </div>
      {socket && (
        <div className={styles.columns}>
          <div>
            <p className={ui.muted}>Request (browser → server)</p>
            <CodeBlock className={styles.headers} data-testid="upgrade-request">
              {request ? `GET ${request.detail?.url ?? ''} HTTP/1.1\n${headerLines(request.detail?.headers)}` : 'waiting…'}
            </CodeBlock>
          </div>
          <div>
            <p className={ui.muted}>Response (server → browser)</p>
            <CodeBlock className={styles.headers} data-testid="upgrade-response">
              {response
                ? `HTTP/1.1 ${response.detail?.status} ${response.detail?.statusText ?? ''}\n${headerLines(response.detail?.headers)}`
                : 'waiting…'}
            </CodeBlock>
          </div>
        </div>
      )}
      {key && (
        <dl className={styles.computation}>
          <dt>Sec-WebSocket-Key</dt>
          <dd>{key}</dd>
          <dt>+ GUID</dt>
          <dd>{GUID}</dd>
          <dt>base64(SHA-1(…)), here</dt>
          <dd data-testid="accept-computed">{computed ?? '…'}</dd>
          <dt>Sec-WebSocket-Accept sent</dt>
          <dd data-testid="accept-sent">{sent ?? '…'}</dd>
          <dt>Match?</dt>
          <dd className={styles.match} data-testid="accept-match" data-ok={computed !== null && computed === sent}>
            {computed && sent ? (computed === sent ? 'yes: the server really read our key' : 'NO') : '…'}
          </dd>
        </dl>
      )}
    </WidgetFrame>
  );
}
