'use client';

import { useEffect, useState } from 'react';
import type { PacketSummary } from '../../components/lab/clients/mqtt';
import { toBase64 } from '../../components/lab/clients/recorder';
import { HexDump } from '../../components/lab/HexDump';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { StateBadge, useMqttClient } from './shared';
import styles from './widgets.module.css';

const TOPIC = 'atms/eu-west/atm-0001/cash-level';
const PAYLOAD = '{"cash":48200}';
/** Seconds of silence before mqtt.js sends PINGREQ: short, so one shows up while you read. */
const KEEPALIVE_S = 5;

/** The smallest HTTP/1.1 request that carries the same reading (a browser adds far more headers). */
export function equivalentHttpPost(host: string): string {
  const body = PAYLOAD;
  return [
    `POST /${TOPIC} HTTP/1.1`,
    `Host: ${host}`,
    'Content-Type: application/json',
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    '',
    body,
  ].join('\r\n');
}

const MAX_LOG = 14;

/** Publish at QoS 0, 1 and 2 and watch each handshake packet by packet, with their bytes. */
export function QosWidget() {
  const { client, state } = useMqttClient({ clientId: 'qos-lab', keepalive: KEEPALIVE_S });
  const [log, setLog] = useState<(PacketSummary & { n: number })[]>([]);
  // The log keeps its newest MAX_LOG packets, so its length stops changing: follow the list itself.
  const logRef = useLogTail<HTMLOListElement>(log);
  const [ping, setPing] = useState<{ req?: Uint8Array; resp?: Uint8Array; publish?: Uint8Array }>({});
  const [host, setHost] = useState('localhost');

  useEffect(() => setHost(window.location.host), []);
  useEffect(() => {
    if (!client) return;
    let n = 0;
    return client.subscribe({
      packet: (p) => {
        n += 1;
        const entry = { ...p, n };
        setLog((lines) => [...lines.slice(1 - MAX_LOG), entry]);
        if (p.type === 'PINGREQ') setPing((s) => ({ ...s, req: p.bytes }));
        if (p.type === 'PINGRESP') setPing((s) => ({ ...s, resp: p.bytes }));
        if (p.type === 'PUBLISH' && p.dir === 'out') setPing((s) => ({ ...s, publish: p.bytes }));
      },
    });
  }, [client]);

  const http = new TextEncoder().encode(equivalentHttpPost(host));

  return (
    <WidgetFrame
      title="QoS handshakes, packet by packet"
      testId="qos-widget"
      status={<StateBadge state={state} testId="qos-state" />}
    >
      <p className={`${ui.mono} ${ui.muted}`}>
        PUBLISH {TOPIC} {PAYLOAD}
      </p>
      <div className={ui.row}>
        {([0, 1, 2] as const).map((qos) => (
          <button
            key={qos}
            type="button"
            className="lab-button"
            data-testid={`qos-publish-${qos}`}
            disabled={state !== 'open'}
            onClick={() => void client?.publish(TOPIC, PAYLOAD, { qos })}
          >
            Publish at QoS {qos}
          </button>
        ))}
      </div>
      <ol ref={logRef} className={`${ui.log} ${styles.terminal}`} data-testid="qos-packets" aria-label="Packets">
        {log.length === 0 && <li className={ui.empty}>No packets yet.</li>}
        {log.map((p) => (
          <li key={p.n} data-dir={p.dir} data-type={p.type} data-packet-id={p.packetId ?? ''}>
            {p.dir === 'out' ? '→' : '←'} {p.summary} ({p.bytes.length} B)
          </li>
        ))}
      </ol>
      <div className={styles.columns}>
        <div data-testid="hex-pingreq">
          <strong>PINGREQ →</strong>
          {ping.req ? <HexDump base64={toBase64(ping.req)} /> : <p className={ui.muted}>Waits for {KEEPALIVE_S} s of silence…</p>}
        </div>
        <div data-testid="hex-pingresp">
          <strong>← PINGRESP</strong>
          {ping.resp ? <HexDump base64={toBase64(ping.resp)} /> : <p className={ui.muted}>…and the broker's answer.</p>}
        </div>
      </div>
      <div className={styles.columns}>
        <div data-testid="hex-publish">
          <strong>The last PUBLISH</strong>
          {ping.publish ? <HexDump base64={toBase64(ping.publish)} /> : <p className={ui.muted}>Publish something.</p>}
        </div>
        <div data-testid="hex-http">
          <strong>The same reading as a bare HTTP POST</strong>
          <HexDump base64={toBase64(http)} />
        </div>
      </div>
    </WidgetFrame>
  );
}
