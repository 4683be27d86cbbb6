'use client';

import { useEffect, useId, useState } from 'react';
import { LabSocket, type SocketState } from '../../components/lab/clients/websocket';
import { HexDump } from '../../components/lab/HexDump';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { StateBadge, useLaneEvents } from './shared';
import styles from './widgets.module.css';

/** One size per length encoding: fits in 7 bits, needs the 16-bit extension, needs the 64-bit one. */
const SIZES = [125, 126, 65_536] as const;
/** Only the newest frames are listed. */
const ROWS = 30;

/** Sends messages over a WebSocket and lists every frame the server's tap decoded, both directions. */
export function FramesWidget() {
  const { record } = useLab();
  const [socket, setSocket] = useState<LabSocket | null>(null);
  const [state, setState] = useState<SocketState>('connecting');
  const [draft, setDraft] = useState('hello, frames');
  const [selected, setSelected] = useState<string | null>(null);
  const inputId = useId();

  useEffect(() => {
    const ws = new LabSocket(record, { path: '/api/ws/echo', reconnect: false });
    const off = ws.subscribe({ state: setState });
    setSocket(ws);
    setState(ws.state);
    return () => {
      off();
      ws.close();
    };
  }, [record]);

  const frames = useLaneEvents(socket?.connId, (e) => e.origin === 'server' && e.kind === 'frame').slice(-ROWS);
  const chosen = frames.find((f) => f.id === selected) ?? frames.at(-1);

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
      <div className={styles.tableWrap}>
        <table className={`${ui.table} ${styles.table}`} data-testid="frames-table">
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
        </table>
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
