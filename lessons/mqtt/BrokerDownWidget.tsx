'use client';

import { useEffect, useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { StateBadge, sendJson, useMqttClient } from './shared';
import styles from './widgets.module.css';

const CLIENTS = ['branch-1', 'branch-2', 'branch-3', 'branch-4', 'branch-5', 'branch-6'];
const DOWN_SECONDS = 5;

/** One client of the storm: its state and how many times it has tried to come back. */
function Branch({ clientId }: { clientId: string }) {
  const { client, state } = useMqttClient({ clientId });
  const [attempts, setAttempts] = useState(0);
  useEffect(() => {
    if (!client) return;
    return client.subscribe({ state: (s) => s === 'reconnecting' && setAttempts((n) => n + 1) });
  }, [client]);
  return (
    <li data-testid={`branch-${clientId}`} data-state={state} data-attempts={attempts}>
      <span className={ui.mono}>{clientId}</span> <StateBadge state={state} testId={`branch-state-${clientId}`} />{' '}
      <span className={ui.muted}>{attempts} reconnect attempts</span>
    </li>
  );
}

/** The broker as a single point of failure: take it down and watch every client fall, then the reconnect storm. */
export function BrokerDownWidget() {
  const { fetch: labFetch } = useLab();
  const [outcome, setOutcome] = useState<string | null>(null);

  const down = async () => {
    setOutcome(null);
    try {
      const result = (await sendJson(labFetch, 'POST', '/api/mqtt/broker-down', { seconds: DOWN_SECONDS })) as {
        dropped: number;
      };
      setOutcome(`broker down for ${DOWN_SECONDS} s: ${result.dropped} connections cut`);
    } catch (e: unknown) {
      setOutcome((e as Error).message);
    }
  };

  return (
    <WidgetFrame title="One broker, six branch offices" testId="broker-down-widget">
      <ul className={styles.clients}>
        {CLIENTS.map((id) => (
          <Branch key={id} clientId={id} />
        ))}
      </ul>
      <div className={ui.row}>
        <button type="button" className="lab-button" data-variant="danger" data-testid="broker-down" onClick={() => void down()}>
          Take the broker down for {DOWN_SECONDS} s
        </button>
        {outcome && (
          <span className={ui.muted} role="status" data-testid="broker-down-result">
            {outcome}
          </span>
        )}
      </div>
    </WidgetFrame>
  );
}
