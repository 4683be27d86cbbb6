'use client';

import { useEffect, useRef, useState } from 'react';
import type { LabMqtt } from '../../components/lab/clients/mqtt';
import { droppedText } from '../../components/lab/faults-client';
import { useLab } from '../../components/lab/LabProvider';
import { WideTable } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { LabRefusal, StateBadge, sendJson, useMqttClient } from './shared';
import styles from './widgets.module.css';

const QOS_LEVELS = [0, 1, 2] as const;
type Qos = (typeof QOS_LEVELS)[number];
/** Publishing order within a round: a QoS 1 message first, so a frozen receiver is stuck holding one. */
const ROUND_ORDER: Qos[] = [1, 2, 0];
const PER_ROUND = 3;
/** How long a round waits for the frozen receiver to take its first message (it may be stuck on an earlier one). */
const FIRST_ARRIVAL_MS = 3_000;

/** Resolves once `client` receives a message with this payload, or after `ms`. */
function arrival(client: LabMqtt, payload: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const off = client.subscribe({ message: (m) => m.payload === payload && done() });
  });
}

/**
 * Cuts one client's connection at the socket (POST /api/mqtt/clients/{id}/drop).
 * Resolves with how many connections were cut: 0 when it wasn't connected.
 */
async function cutClient(labFetch: ReturnType<typeof useLab>['fetch'], clientId: string): Promise<number> {
  try {
    return ((await sendJson(labFetch, 'POST', `/api/mqtt/clients/${clientId}/drop`, {})) as { dropped: number }).dropped;
  } catch (error: unknown) {
    if (error instanceof LabRefusal && error.status === 404) return 0; // not connected: nothing to cut
    throw error;
  }
}

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
  const { fetch: labFetch } = useLab();
  const [clean, setClean] = useState(false);
  const [dropping, setDropping] = useState(false);
  const [dropOutcome, setDropOutcome] = useState<string | null>(null);
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

  const sendRound = async () => {
    const client = sender.client;
    if (!client) return;
    round.current += 1;
    const r = round.current;
    setTallies((t) => ({
      0: { ...t[0], sent: t[0].sent + PER_ROUND },
      1: { ...t[1], sent: t[1].sent + PER_ROUND },
      2: { ...t[2], sent: t[2].sent + PER_ROUND },
    }));
    const [first, ...rest] = Array.from({ length: PER_ROUND }, (_, i) =>
      ROUND_ORDER.map((qos) => ({ qos, payload: `q${qos}-r${r}-${i + 1}` })),
    ).flat();
    if (!first) return;
    const publish = ({ qos, payload }: { qos: Qos; payload: string }) =>
      client.publish(`lab/link/q${qos}`, payload, { qos }).catch(() => undefined);
    // The broker keeps order only per topic, and aedes forwards each QoS on its own path (QoS 0 at
    // once, QoS 1 after writing the PUBACK, QoS 2 after storing it), so a QoS 2 PUBLISH can reach the
    // receiver first. mqtt.js PUBRECs it without asking the app, and the frozen receiver would then
    // stop on its PUBREL (a QoS 2 message counted, the QoS 1 ones stuck behind). So while it is
    // frozen, the rest of the round waits until the receiver has the first QoS 1 message.
    const receiving = receiver.client;
    const firstArrived =
      frozen.current && receiving && receiver.state === 'open' ? arrival(receiving, first.payload, FIRST_ARRIVAL_MS) : undefined;
    void publish(first);
    await firstArrived;
    for (const message of rest) void publish(message);
  };

  // Only this widget's two clients: a page-wide MQTT drop would also cut the ATM further down,
  // which never reconnects by itself (so that its Last Will can be seen).
  const dropLink = async () => {
    setDropping(true);
    try {
      const counts = await Promise.all(['sender', 'receiver'].map((id) => cutClient(labFetch, id)));
      setDropOutcome(droppedText(counts.reduce((a, b) => a + b, 0)));
    } catch (e: unknown) {
      setDropOutcome((e as Error).message);
    } finally {
      setDropping(false);
    }
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
        <button type="button" className="lab-button" data-testid="send-round" onClick={() => void sendRound()}>
          Send {PER_ROUND} at each QoS
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="danger"
          data-testid="drop-mqtt"
          disabled={dropping}
          onClick={() => void dropLink()}
        >
          Drop both connections
        </button>
        {dropOutcome && (
          <span className={ui.muted} role="status" data-testid="drop-mqtt-result">
            {dropOutcome}
          </span>
        )}
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
      <WideTable className={`${ui.table} ${styles.table}`} data-testid="reliability-table">
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
      </WideTable>
    </WidgetFrame>
  );
}
