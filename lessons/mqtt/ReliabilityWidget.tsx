'use client';

import { useEffect, useRef, useState } from 'react';
import { DropButton } from '../../components/lab/DropButton';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { StateBadge, useMqttClient } from './shared';
import styles from './widgets.module.css';

const QOS_LEVELS = [0, 1, 2] as const;
type Qos = (typeof QOS_LEVELS)[number];
/** Publishing order within a round: a QoS 1 message first, so a frozen receiver is stuck holding one. */
const ROUND_ORDER: Qos[] = [1, 2, 0];
const PER_ROUND = 3;

interface Tally {
  sent: number;
  seen: Set<string>;
  duplicates: number;
}

function emptyTallies(): Record<Qos, Tally> {
  return {
    0: { sent: 0, seen: new Set(), duplicates: 0 },
    1: { sent: 0, seen: new Set(), duplicates: 0 },
    2: { sent: 0, seen: new Set(), duplicates: 0 },
  };
}

/**
 * An unreliable link: a sender with a persistent session publishes at each
 * QoS to a receiver that can freeze (stop acknowledging), lose its connection
 * and come back with clean session on or off. The table counts what arrived.
 */
export function ReliabilityWidget() {
  const [clean, setClean] = useState(false);
  const frozen = useRef(false);
  const [frozenView, setFrozenView] = useState(false);
  const sender = useMqttClient({ clientId: 'sender', clean: false });
  const receiver = useMqttClient(
    { clientId: 'receiver', clean, reconnect: false, holdAcks: () => frozen.current },
    clean ? 'clean' : 'persistent',
  );
  const [tallies, setTallies] = useState(emptyTallies);
  const round = useRef(0);

  useEffect(() => {
    const client = receiver.client;
    if (!client) return;
    return client.subscribe({
      message: (m) => {
        const qos = Number(m.topic.split('/').at(-1)?.slice(1)) as Qos;
        setTallies((t) => {
          const tally = t[qos];
          if (!tally) return t;
          const duplicate = tally.seen.has(m.payload);
          return {
            ...t,
            [qos]: { ...tally, seen: new Set(tally.seen).add(m.payload), duplicates: tally.duplicates + (duplicate ? 1 : 0) },
          };
        });
      },
    });
  }, [receiver.client]);

  useEffect(() => {
    if (receiver.state === 'open') void receiver.client?.sub('lab/link/#', 2);
  }, [receiver.client, receiver.state]);

  const sendRound = () => {
    const client = sender.client;
    if (!client) return;
    round.current += 1;
    const r = round.current;
    for (let i = 1; i <= PER_ROUND; i++) {
      for (const qos of ROUND_ORDER) {
        void client.publish(`lab/link/q${qos}`, `q${qos}-r${r}-${i}`, { qos }).catch(() => undefined);
      }
    }
    setTallies((t) => ({
      0: { ...t[0], sent: t[0].sent + PER_ROUND },
      1: { ...t[1], sent: t[1].sent + PER_ROUND },
      2: { ...t[2], sent: t[2].sent + PER_ROUND },
    }));
  };

  const setFrozen = (value: boolean) => {
    frozen.current = value;
    setFrozenView(value);
  };

  return (
    <WidgetFrame title="An unreliable link" testId="reliability-widget">
      <div className={styles.columns}>
        <p className={ui.row}>
          <strong>sender</strong> (clean session off) <StateBadge state={sender.state} testId="sender-state" />
        </p>
        <p className={ui.row}>
          <strong>receiver</strong> <StateBadge state={receiver.state} testId="receiver-state" />
        </p>
      </div>
      <div className={ui.row}>
        <label className={ui.row}>
          <input
            type="checkbox"
            data-testid="receiver-clean"
            checked={clean}
            onChange={(e) => {
              setFrozen(false);
              setClean(e.target.checked);
              setTallies(emptyTallies());
            }}
          />
          Receiver uses clean session
        </label>
        <label className={ui.row}>
          <input
            type="checkbox"
            data-testid="receiver-freeze"
            checked={frozenView}
            onChange={(e) => setFrozen(e.target.checked)}
          />
          Freeze the receiver (stop acknowledging)
        </label>
      </div>
      <div className={ui.row}>
        <button type="button" className="lab-button" data-testid="send-round" onClick={sendRound}>
          Send {PER_ROUND} at each QoS
        </button>
        <DropButton target="mqtt" />
        <button
          type="button"
          className="lab-button"
          data-testid="receiver-reconnect"
          disabled={receiver.state === 'open' || receiver.state === 'connecting'}
          onClick={() => {
            setFrozen(false);
            receiver.client?.reconnect();
          }}
        >
          Reconnect the receiver
        </button>
        <button type="button" className="lab-button" data-testid="reliability-reset" onClick={() => setTallies(emptyTallies())}>
          Reset counts
        </button>
      </div>
      <table className={`${ui.table} ${styles.table}`} data-testid="reliability-table">
        <thead>
          <tr>
            <th>QoS</th>
            <th>Sent</th>
            <th>Received</th>
            <th>Duplicates</th>
            <th>Lost (so far)</th>
          </tr>
        </thead>
        <tbody>
          {QOS_LEVELS.map((qos) => {
            const t = tallies[qos];
            const lost = Math.max(0, t.sent - t.seen.size);
            return (
              <tr
                key={qos}
                data-testid={`tally-${qos}`}
                data-sent={t.sent}
                data-received={t.seen.size}
                data-duplicates={t.duplicates}
                data-lost={lost}
              >
                <td>{qos}</td>
                <td>{t.sent}</td>
                <td>{t.seen.size}</td>
                <td>{t.duplicates}</td>
                <td data-ok={lost === 0}>{lost}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </WidgetFrame>
  );
}
