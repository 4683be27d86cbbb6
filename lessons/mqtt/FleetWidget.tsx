'use client';

import { useEffect, useId, useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { RoutingTerminal, StateBadge, sendJson, useInbox, useMqttClient } from './shared';
import styles from './widgets.module.css';

const DASHBOARD_FILTER = 'atms/+/+/cash-level';
const ALERTS_FILTER = 'atms/+/+/transactions';

/**
 * The topology: a simulated ATM fleet publishes, a dashboard and an alert
 * system subscribe, and the broker's routing terminal shows where each
 * PUBLISH went. Publishers and subscribers never address each other.
 */
export function FleetWidget({ initialSize = '12' }: { initialSize?: string }) {
  const { fetch: labFetch } = useLab();
  const sizeId = useId();
  const dashboard = useMqttClient({ clientId: 'dashboard' });
  const alerts = useMqttClient({ clientId: 'alert-system' });
  const dashboardInbox = useInbox(dashboard.client, 5);
  const alertsInbox = useInbox(alerts.client, 5);
  const [size, setSize] = useState(initialSize);
  const [running, setRunning] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (dashboard.state === 'open') void dashboard.client?.sub(DASHBOARD_FILTER, 0);
  }, [dashboard.client, dashboard.state]);
  useEffect(() => {
    if (alerts.state === 'open') void alerts.client?.sub(ALERTS_FILTER, 2);
  }, [alerts.client, alerts.state]);

  const resize = async (atms: number) => {
    setError(null);
    try {
      const status = (await sendJson(labFetch, 'PUT', '/api/mqtt/fleet', { size: atms })) as { fleet: { atms: number } };
      setRunning(status.fleet.atms);
    } catch (e: unknown) {
      setError((e as Error).message);
    }
  };

  return (
    <WidgetFrame title="ATM fleet → broker → subscribers" testId="fleet-widget">
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          void resize(Number(size));
        }}
      >
        <label htmlFor={sizeId}>ATMs in the fleet</label>
        <input
          id={sizeId}
          className={`lab-input ${ui.numberInput}`}
          data-testid="fleet-size"
          inputMode="numeric"
          value={size}
          onChange={(e) => setSize(e.target.value)}
        />
        <button type="submit" className="lab-button" data-testid="fleet-apply">
          {running ? 'Resize fleet' : 'Start fleet'}
        </button>
        <button type="button" className="lab-button" data-testid="fleet-stop" onClick={() => void resize(0)}>
          Stop
        </button>
        <span className={ui.muted} data-testid="fleet-running">
          {running === null ? 'fleet not started' : `${running.toLocaleString('en')} ATMs publishing`}
        </span>
      </form>
      {error && (
        <p className={ui.error} role="alert" data-testid="fleet-error">
          {error}
        </p>
      )}
      <div className={styles.columns}>
        <div data-testid="dashboard-client">
          <p className={ui.row}>
            <strong>dashboard</strong> <StateBadge state={dashboard.state} testId="dashboard-state" />
          </p>
          <p className={`${ui.mono} ${ui.muted}`}>SUBSCRIBE {DASHBOARD_FILTER}</p>
          <p data-testid="dashboard-count">{dashboardInbox.count.toLocaleString('en')} messages</p>
          <p className={`${ui.mono} ${ui.muted}`}>{dashboardInbox.messages.at(-1)?.topic ?? '—'}</p>
        </div>
        <div data-testid="alerts-client">
          <p className={ui.row}>
            <strong>alert-system</strong> <StateBadge state={alerts.state} testId="alerts-state" />
          </p>
          <p className={`${ui.mono} ${ui.muted}`}>SUBSCRIBE {ALERTS_FILTER} (QoS 2)</p>
          <p data-testid="alerts-count">{alertsInbox.count.toLocaleString('en')} messages</p>
          <p className={`${ui.mono} ${ui.muted}`}>{alertsInbox.messages.at(-1)?.topic ?? '—'}</p>
        </div>
      </div>
      <RoutingTerminal />
    </WidgetFrame>
  );
}
