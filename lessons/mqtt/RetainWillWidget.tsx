'use client';

import { useEffect, useState } from 'react';
import type { MqttMessage } from '../../components/lab/clients/mqtt';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { StateBadge, sendJson, useMqttClient } from './shared';
import styles from './widgets.module.css';

const ATM = 'atm-0042';
const BASE = `atms/eu-west/${ATM}`;

/**
 * Retained messages and the Last Will: one ATM reports a retained cash level
 * and registers a will; a subscriber that arrives later gets the last value at
 * once; cutting the ATM's cable makes the broker publish the will.
 */
export function RetainWillWidget() {
  const { fetch: labFetch } = useLab();
  const atm = useMqttClient({
    clientId: ATM,
    reconnect: false,
    will: { topic: `${BASE}/status`, payload: 'offline', qos: 1, retain: true },
  });
  const watcher = useMqttClient({ clientId: 'late-subscriber' });
  const [seen, setSeen] = useState<(MqttMessage & { n: number })[]>([]);
  const logRef = useLogTail<HTMLOListElement>(seen);
  const [cash, setCash] = useState(48_200);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (atm.state === 'open') void atm.client?.publish(`${BASE}/status`, 'online', { qos: 1, retain: true });
  }, [atm.client, atm.state]);

  useEffect(() => {
    const client = watcher.client;
    if (!client) return;
    let n = 0;
    return client.subscribe({ message: (m) => setSeen((list) => [...list.slice(-11), { ...m, n: ++n }]) });
  }, [watcher.client]);

  const report = () => {
    const next = cash - 20 * (1 + Math.floor(Math.random() * 10));
    setCash(next);
    void atm.client?.publish(`${BASE}/cash-level`, JSON.stringify({ cash: next }), { qos: 1, retain: true });
  };

  const subscribeFresh = async () => {
    const client = watcher.client;
    if (!client) return;
    // Unsubscribe, then subscribe again: to the broker this is a brand-new subscription, retained messages included.
    await client.unsub(`${BASE}/#`);
    setSeen([]);
    await client.sub(`${BASE}/#`, 1);
  };

  const cut = async () => {
    setError(null);
    try {
      await sendJson(labFetch, 'POST', `/api/mqtt/clients/${ATM}/drop`, {});
    } catch (e: unknown) {
      setError((e as Error).message);
    }
  };

  return (
    <WidgetFrame title="Retained messages and the Last Will" testId="retain-widget">
      <div className={styles.columns}>
        <div>
          <p className={ui.row}>
            <strong>{ATM}</strong> <StateBadge state={atm.state} testId="atm-state" />
          </p>
          <p className={`${ui.mono} ${ui.muted}`}>will: {BASE}/status = offline (retained)</p>
          <div className={ui.row}>
            <button
              type="button"
              className="lab-button"
              data-testid="atm-report"
              disabled={atm.state !== 'open'}
              onClick={report}
            >
              Report cash level (retained)
            </button>
            <button
              type="button"
              className="lab-button"
              data-variant="danger"
              data-testid="atm-cut"
              disabled={atm.state !== 'open'}
              onClick={() => void cut()}
            >
              Cut the ATM’s cable
            </button>
            <button
              type="button"
              className="lab-button"
              data-testid="atm-back"
              disabled={atm.state === 'open'}
              onClick={() => atm.client?.reconnect()}
            >
              Bring it back
            </button>
          </div>
          {error && <p className={ui.error}>{error}</p>}
        </div>
        <div>
          <p className={ui.row}>
            <strong>late-subscriber</strong> <StateBadge state={watcher.state} testId="watcher-state" />
          </p>
          <p className={`${ui.mono} ${ui.muted}`}>SUBSCRIBE {BASE}/#</p>
          <button
            type="button"
            className="lab-button"
            data-testid="watcher-subscribe"
            disabled={watcher.state !== 'open'}
            onClick={() => void subscribeFresh()}
          >
            Subscribe now
          </button>
        </div>
      </div>
      <ol
        ref={logRef}
        className={`${ui.log} ${styles.terminal}`}
        data-testid="watcher-log"
        aria-label="What the subscriber received"
      >
        {seen.length === 0 && <li className={ui.empty}>Nothing received yet.</li>}
        {seen.map((m) => (
          <li key={m.n} data-retain={m.retain} data-topic={m.topic}>
            {m.topic} = {m.payload}
            {m.retain ? ' [retained]' : ''}
          </li>
        ))}
      </ol>
    </WidgetFrame>
  );
}
