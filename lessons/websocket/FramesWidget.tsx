'use client';

import { useEffect, useId, useState } from 'react';
import { LabSocket, type SocketState } from '../../components/lab/clients/websocket';
import { HexDump } from '../../components/lab/HexDump';
import { useLab } from '../../components/lab/LabProvider';
import { WideTable } from '../../components/lab/Scrollable';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { MAX_FRAME_BYTES } from '../../server/protocols/websocket/limits';
import { StateBadge, useLaneEvents } from './shared';
import styles from './widgets.module.css';

/** One size per length encoding: fits in 7 bits, needs the 16-bit extension, needs the 64-bit one. */
const SIZES = [125, 126, 65_536] as const;
/** Only the newest frames are listed. */
const ROWS = 30;
/** RFC 6455's "message too big": what the server answers a frame over its limit with. */
const TOO_BIG = 1009;
const bytesOf = (text: string) => new TextEncoder().encode(text).length;

interface Closed {
  code: number;
  byUser: boolean;
}

/** Why the socket is closed, in words: the code alone ("1009") explains little. */
function closedText({ code, byUser }: Closed): string {
  if (byUser) return `You closed the socket (code ${code}).`;
  if (code === TOO_BIG) {
    return (
      `The server refused your message: it is bigger than the ${MAX_FRAME_BYTES.toLocaleString('en')} bytes this server ` +
      `accepts (its maxPayload), so it closed the connection with code ${TOO_BIG}, "message too big", instead of reading it. ` +
      'A server answers a message it will not read by ending the whole connection, not by skipping that one message.'
    );
  }
  if (code === 1006) return 'The connection was lost without a close frame (code 1006): dropped, not closed politely.';
  return `The server closed the connection (code ${code}).`;
}

/** Sends messages over a WebSocket and lists every frame the server's tap decoded, both directions. */
export function FramesWidget() {
  const { record } = useLab();
  const [socket, setSocket] = useState<LabSocket | null>(null);
  const [state, setState] = useState<SocketState>('connecting');
  const [draft, setDraft] = useState('hello, frames');
  const [selected, setSelected] = useState<string | null>(null);
  const [closed, setClosed] = useState<Closed | null>(null);
  const inputId = useId();

  useEffect(() => {
    const ws = new LabSocket(record, { path: '/api/ws/echo', reconnect: false });
    const off = ws.subscribe({
      state: (s) => {
        setState(s);
        if (s !== 'closed') setClosed(null);
      },
      close: ({ code, byUser }) => setClosed({ code, byUser }),
    });
    setSocket(ws);
    setState(ws.state);
    return () => {
      off();
      ws.close();
    };
  }, [record]);

  const frames = useLaneEvents(socket?.connId, (e) => e.origin === 'server' && e.kind === 'frame').slice(-ROWS);
  const chosen = frames.find((f) => f.id === selected) ?? frames.at(-1);
  const tableRef = useLogTail<HTMLDivElement>(frames.at(-1)?.id);
  const draftBytes = bytesOf(draft);

  return (
    <WidgetFrame
      title="Frames on the wire"
      testId="ws-frames"
      status={<StateBadge state={state} testId="frames-state" conn={socket?.connId} />}
    >
      <form
        className={`${ui.row} ${styles.row}`}
        onSubmit={(e) => {
          e.preventDefault();
          if (draft) socket?.send(draft);
        }}
      >
        <label htmlFor={inputId}>Message</label>
        <input
          id={inputId}
          className={`lab-input ${styles.grow}`}
          data-testid="frames-input"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          autoComplete="off"
        />
        <button type="submit" className="lab-button" data-testid="frames-send" disabled={state !== 'open' || !draft}>
          Send
        </button>
      </form>
      {draftBytes > MAX_FRAME_BYTES && (
        <p className={ui.muted} data-testid="frames-too-big">
          {draftBytes.toLocaleString('en')} bytes: over the server's limit of {MAX_FRAME_BYTES.toLocaleString('en')}. Send it to
          see what a server does with a message too big.
        </p>
      )}
      <div className={`${ui.row} ${styles.row}`}>
        <span className={ui.muted}>Or send exactly</span>
        {SIZES.map((size) => (
          <button
            key={size}
            type="button"
            className="lab-button"
            data-testid={`frames-send-${size}`}
            disabled={state !== 'open'}
            onClick={() => socket?.send('x'.repeat(size))}
          >
            {size.toLocaleString('en')} bytes
          </button>
        ))}
        <button
          type="button"
          className="lab-button"
          data-testid="frames-close"
          disabled={state !== 'open'}
          onClick={() => socket?.close()}
        >
          Close (1000)
        </button>
      </div>
      {state === 'closed' && (
        <div className={`${ui.row} ${styles.row}`}>
          {closed && (
            <p className={closed.code === TOO_BIG ? styles.error : ui.muted} data-testid="frames-closed" data-code={closed.code}>
              {closedText(closed)}
            </p>
          )}
          <button type="button" className="lab-button" data-testid="frames-open" onClick={() => socket?.reopen()}>
            Open a new connection
          </button>
        </div>
      )}
      <div className={styles.tableWrap} ref={tableRef}>
        <WideTable className={`${ui.table} ${styles.table}`} data-testid="frames-table">
          <thead>
            <tr>
              <th>direction</th>
              <th>opcode</th>
              <th>FIN</th>
              <th>MASK</th>
              <th>payload</th>
              <th>length field</th>
              <th>header</th>
            </tr>
          </thead>
          <tbody>
            {frames.map((f) => {
              const x = f.detail?.fields ?? {};
              return (
                <tr
                  key={f.id}
                  data-testid="frame-row"
                  data-dir={f.dir}
                  data-opcode={String(x.opcodeName)}
                  data-payload={String(x.payloadLength)}
                  data-header={String(x.headerLength)}
                  data-mask={String(x.mask)}
                  aria-selected={f.id === chosen?.id}
                  onClick={() => setSelected(f.id)}
                >
                  <td>{f.dir === 'in' ? 'browser → server' : 'server → browser'}</td>
                  <td>
                    {String(x.opcodeName)}
                    {f.detail?.code !== undefined ? ` ${f.detail.code}` : ''}
                  </td>
                  <td>{x.fin ? 1 : 0}</td>
                  <td>{x.mask ? `1 (key ${x.maskKey})` : 0}</td>
                  <td>{Number(x.payloadLength).toLocaleString('en')} B</td>
                  <td>{String(x.lengthEncoding)}</td>
                  <td>{String(x.headerLength)} B</td>
                </tr>
              );
            })}
          </tbody>
        </WideTable>
      </div>
      {chosen?.detail?.raw ? (
        <div>
          <p className={ui.muted}>
            Wire bytes of the selected frame (header <code>{String(chosen.detail.fields?.headerHex)}</code>, then the start of the
            payload{chosen.detail.fields?.mask ? ', still masked' : ''}):
          </p>
          <HexDump base64={chosen.detail.raw} />
        </div>
      ) : (
        <p className={ui.muted}>Frames appear here as the server's tap decodes them.</p>
      )}
    </WidgetFrame>
  );
}
