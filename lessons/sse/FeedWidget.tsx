'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { LabEventSource, type StreamState } from '../../components/lab/clients/event-source';
import { DropButton } from '../../components/lab/DropButton';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { euros } from '../rest/shared';
import { StreamStateBadge } from './StreamState';
import styles from './widgets.module.css';

const CHANNELS = ['balance', 'transactions', 'alerts'] as const;
type Channel = (typeof CHANNELS)[number];
const SHOWN = 20;

/** The feed carries euros (750.5); shown the way the REST lesson shows money ("-€750.50"), via its Intl formatter. */
const money = (amount: number) => euros(Math.round(amount * 100));

interface Transaction {
  id: string;
  account: string;
  amount: number;
  description: string;
}
interface Alert {
  level: string;
  message: string;
}

/**
 * One EventSource on GET /api/sse/feed carries three logical channels as
 * event types. Payments go the other way as plain POSTs, whose answer only
 * acknowledges: the result shows up on the stream.
 */
export function FeedWidget() {
  const { record, fetch: labFetch } = useLab();
  const amountId = useId();
  const accountId = useId();
  const [source, setSource] = useState<LabEventSource | null>(null);
  const [state, setState] = useState<StreamState | 'idle'>('idle');
  const [counts, setCounts] = useState<Record<Channel, number>>({ balance: 0, transactions: 0, alerts: 0 });
  const [balances, setBalances] = useState<Record<string, number>>({});
  const [transactions, setTransactions] = useState<Transaction[]>([]);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [account, setAccount] = useState('123');
  const [amount, setAmount] = useState('12.50');
  const [ack, setAck] = useState<string | null>(null);
  const sourceRef = useRef<LabEventSource | null>(null);

  const connect = () => {
    sourceRef.current?.close();
    const es = new LabEventSource(record, { path: '/api/sse/feed', types: [...CHANNELS, 'gap'] });
    es.subscribe({
      state: setState,
      event: (e) => {
        if (!(CHANNELS as readonly string[]).includes(e.type)) return;
        const channel = e.type as Channel;
        setCounts((c) => ({ ...c, [channel]: c[channel] + 1 }));
        const data = JSON.parse(e.data) as Record<string, unknown>;
        if (channel === 'balance') setBalances((b) => ({ ...b, [String(data.account)]: Number(data.balance) }));
        if (channel === 'transactions') setTransactions((list) => [data as unknown as Transaction, ...list].slice(0, SHOWN));
        if (channel === 'alerts') setAlerts((list) => [data as unknown as Alert, ...list].slice(0, SHOWN));
      },
    });
    sourceRef.current = es;
    setSource(es);
    setState(es.state);
    setCounts({ balance: 0, transactions: 0, alerts: 0 });
  };

  useEffect(() => () => sourceRef.current?.close(), []);

  const pay = async () => {
    setAck(null);
    try {
      const response = await labFetch('/api/sse/payments', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account, amount: Number(amount), description: 'Card payment from the lesson' }),
      });
      const body = (await response.json()) as { transaction?: string; detail?: string };
      setAck(
        response.ok
          ? `${response.status} ${response.statusText}: ${body.transaction} accepted — watch the stream`
          : `${response.status}: ${body.detail}`,
      );
    } catch (error: unknown) {
      setAck(`The POST failed: ${(error as Error).message}`);
    }
  };

  const live = state !== 'idle' && state !== 'closed';

  return (
    <WidgetFrame
      title="EventSource → GET /api/sse/feed (balance, transactions, alerts)"
      testId="feed-widget"
      status={<StreamStateBadge state={state} testId="feed-state" />}
    >
      <div className={ui.row}>
        <button type="button" className="lab-button" data-testid="feed-connect" onClick={connect}>
          {live ? 'Reconnect' : 'Connect'}
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="secondary"
          data-testid="feed-close"
          disabled={!live}
          onClick={() => sourceRef.current?.close()}
        >
          Close
        </button>
        <DropButton target="sse" label="Drop stream" />
        {source && (
          <span className={ui.muted} data-testid="feed-conn">
            all channels over one connection: {source.connId}
          </span>
        )}
      </div>
      <div className={styles.panels}>
        <section className={styles.panel} data-testid="feed-balance" data-count={counts.balance}>
          <h4>
            balance <span className={ui.muted}>{counts.balance} events</span>
          </h4>
          <ul>
            {Object.entries(balances).map(([id, value]) => (
              <li key={id}>
                account {id}: {money(value)}
              </li>
            ))}
          </ul>
        </section>
        <section className={styles.panel} data-testid="feed-transactions" data-count={counts.transactions}>
          <h4>
            transactions <span className={ui.muted}>{counts.transactions} events</span>
          </h4>
          <ul>
            {transactions.map((t) => (
              <li key={t.id}>
                {t.account}: {money(t.amount)} {t.description}
              </li>
            ))}
          </ul>
        </section>
        <section className={styles.panel} data-testid="feed-alerts" data-count={counts.alerts}>
          <h4>
            alerts <span className={ui.muted}>{counts.alerts} events</span>
          </h4>
          <ul>
            {alerts.map((a, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: newest first, never reordered
              <li key={i} className={a.level === 'danger' ? styles.bad : undefined}>
                {a.message}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          void pay();
        }}
      >
        <label htmlFor={accountId}>Pay from account</label>
        <select
          id={accountId}
          className="lab-input"
          data-testid="feed-account"
          value={account}
          onChange={(e) => setAccount(e.target.value)}
        >
          <option value="123">123 (Ada)</option>
          <option value="456">456 (Alan)</option>
        </select>
        <label htmlFor={amountId}>€</label>
        <input
          id={amountId}
          className={`lab-input ${styles.number}`}
          data-testid="feed-amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <button type="submit" className="lab-button" data-testid="feed-pay">
          POST /api/sse/payments
        </button>
      </form>
      {ack && (
        <p className={ui.muted} role="status" data-testid="feed-ack">
          {ack}
        </p>
      )}
    </WidgetFrame>
  );
}
