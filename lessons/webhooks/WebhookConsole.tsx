'use client';

import { useCallback, useEffect, useId, useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { type DeliveryView, euros, RECEIVER, RECEIVER_PATH, useWebhookLog } from './useWebhookLog';
import styles from './widgets.module.css';

const MODES = [
  ['ok', 'answer 200'],
  ['fail', 'answer 500'],
  ['hang', 'hang (never answer)'],
  ['down', 'down (connection refused)'],
  ['slow-once', 'process, then time out (once)'],
  ['slow', 'slow handler (every time)'],
  ['queue', 'queue, answer 200, process later'],
] as const;
type Mode = (typeof MODES)[number][0];

interface Settings {
  mode: Mode;
  verify: boolean;
  dedupe: boolean;
  ordering: 'naive' | 'sequence';
  wrongSecret: boolean;
}

interface ReceiverState {
  settings: Settings;
  balances: Record<string, number>;
}

/** GET /api/webhooks/bank: the bank's controls as the server has them. */
interface BankState {
  autoEvents: boolean;
  worker: 'running' | 'stopped';
  /** The session's receivers by name: my-app is only asked about once it exists. */
  receivers: string[];
}

interface Problem {
  title?: string;
  detail?: string;
}

/**
 * The lesson's control room: the bank (register, emit events, stop the
 * worker, the delivery log with redeliver) on one side, "your app" (how the
 * receiver behaves, and the balance it keeps) on the other.
 */
export function WebhookConsole() {
  const { fetch: labFetch } = useLab();
  const { deliveries, app } = useWebhookLog();
  const urlId = useId();
  const typeId = useId();
  const modeId = useId();
  const [url, setUrl] = useState(RECEIVER_PATH);
  const [registered, setRegistered] = useState<{ ok: boolean; text: string } | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [startBalance, setStartBalance] = useState<number | null>(null);
  const [eventType, setEventType] = useState('transaction.created');
  // null until the server says: the controls start from its state, not from a guess (a reload keeps them right).
  const [workerRunning, setWorkerRunning] = useState<boolean | null>(null);
  const [autoEvents, setAutoEvents] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    setUrl(`${window.location.origin}${RECEIVER_PATH}`);
  }, []);

  const call = useCallback(
    async <T,>(path: string, method: string, body?: unknown): Promise<{ status: number; json: T }> => {
      setFailure(null);
      const res = await labFetch(path, {
        method,
        protocol: 'webhooks',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const json = (await res.json().catch(() => ({}))) as T;
      if (res.status >= 400) {
        const problem = json as Problem;
        setFailure(`${res.status} ${problem.title ?? ''}: ${problem.detail ?? ''}`);
      }
      return { status: res.status, json };
    },
    [labFetch],
  );

  /** Your app's settings (and, the first time, its starting balance) as the server has them. */
  const loadReceiver = useCallback(async () => {
    const res = await labFetch(`/api/webhooks/receivers/${RECEIVER}`, { protocol: 'webhooks' });
    if (res.status !== 200) return;
    const state = (await res.json()) as ReceiverState;
    setSettings(state.settings);
    setStartBalance((b) => b ?? state.balances['123'] ?? null);
  }, [labFetch]);

  /** The bank's controls; then your app, if the session has it yet (asking before would be a 404). */
  const loadBank = useCallback(async () => {
    const res = await labFetch('/api/webhooks/bank', { protocol: 'webhooks' });
    if (res.status !== 200) return;
    const bank = (await res.json()) as BankState;
    setWorkerRunning(bank.worker === 'running');
    setAutoEvents(bank.autoEvents);
    if (bank.receivers.includes(RECEIVER)) await loadReceiver();
  }, [labFetch, loadReceiver]);

  // On load, and whenever the page comes back into view (a terminal may have changed things meanwhile).
  useEffect(() => {
    const load = () => void loadBank().catch(() => undefined);
    load();
    window.addEventListener('focus', load);
    return () => window.removeEventListener('focus', load);
  }, [loadBank]);

  // Your app changed its own settings (process-then-time-out goes back to "ok" after one delivery): read them again.
  useEffect(() => {
    if (app.selfChange) void loadReceiver().catch(() => undefined);
  }, [app.selfChange, loadReceiver]);

  const run = (action: () => Promise<unknown>) => async () => {
    setBusy(true);
    try {
      await action();
    } catch (error: unknown) {
      setFailure(`The request never got an answer: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const register = run(async () => {
    const { status, json } = await call<{ id?: string; secret?: string } & Problem>('/api/webhooks/endpoints', 'POST', { url });
    if (status < 300) {
      setRegistered({ ok: true, text: `${status} registered ${json.id} — signing secret ${json.secret}` });
      const state = await call<ReceiverState>(`/api/webhooks/receivers/${RECEIVER}`, 'GET');
      setSettings(state.json.settings);
      setStartBalance((b) => b ?? state.json.balances['123'] ?? null);
    } else {
      setFailure(null);
      setRegistered({ ok: false, text: `${status} ${json.title}: ${json.detail}` });
    }
  });

  const configure = (changes: Partial<Settings>) =>
    run(async () => {
      const { status, json } = await call<ReceiverState>(`/api/webhooks/receivers/${RECEIVER}`, 'PUT', changes);
      if (status === 200) setSettings(json.settings);
    })();

  const emit = (body: Record<string, unknown>) => call('/api/webhooks/events', 'POST', body);
  const sendEvent = run(() => emit({ type: eventType }));
  const sendOutOfOrder = run(async () => {
    const transactionId = `tx_${Math.random().toString(36).slice(2, 10)}`;
    // "created" is held back 1.5 s, as if it took a slower path through the network; "settled" goes at once.
    await emit({ type: 'transaction.created', transactionId, delayMs: 1500 });
    await emit({ type: 'transaction.settled', transactionId });
  });
  // Both toggles show what the server answered, not what the page expected.
  const toggleWorker = run(async () => {
    const { status, json } = await call<{ worker?: string }>('/api/webhooks/worker', 'POST', {
      action: workerRunning ? 'stop' : 'start',
    });
    if (status === 200) setWorkerRunning(json.worker === 'running');
  });
  const toggleAuto = run(async () => {
    const { status, json } = await call<{ autoEvents?: boolean }>('/api/webhooks/bank', 'PUT', { autoEvents: !autoEvents });
    if (status === 200) setAutoEvents(json.autoEvents === true);
  });
  const redeliver = (event: string) => run(() => call(`/api/webhooks/events/${event}/redeliver`, 'POST'))();

  const balance = app.balanceCents ?? startBalance;
  const transactionsRef = useLogTail<HTMLUListElement>(app.transactions.size);
  return (
    <WidgetFrame title="The bank and your app" testId="webhook-console">
      <div className={styles.columns}>
        <section className={styles.panel} aria-label="The bank">
          <h4 className={styles.heading}>The bank (sender)</h4>
          <form
            className={ui.row}
            onSubmit={(e) => {
              e.preventDefault();
              void register();
            }}
          >
            <label htmlFor={urlId}>Endpoint URL</label>
            <input
              id={urlId}
              className={`lab-input ${styles.grow}`}
              data-testid="wh-url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              spellCheck={false}
            />
            <button type="submit" className="lab-button" data-testid="wh-register" disabled={busy}>
              Register
            </button>
          </form>
          {registered && (
            <p className={registered.ok ? styles.ok : styles.error} data-testid="wh-register-result" data-ok={registered.ok}>
              {registered.text}
            </p>
          )}
          <div className={ui.row}>
            <label htmlFor={typeId}>Event</label>
            <select
              id={typeId}
              className="lab-input"
              data-testid="wh-event-type"
              value={eventType}
              onChange={(e) => setEventType(e.target.value)}
            >
              <option value="transaction.created">transaction.created (+€25.00)</option>
              <option value="transaction.settled">transaction.settled</option>
              <option value="card.frozen">card.frozen</option>
            </select>
            <button
              type="button"
              className="lab-button"
              data-testid="wh-send-event"
              disabled={busy}
              onClick={() => void sendEvent()}
            >
              Send event
            </button>
          </div>
          <div className={ui.row}>
            <button
              type="button"
              className="lab-button"
              data-variant="secondary"
              data-testid="wh-send-out-of-order"
              disabled={busy}
              onClick={() => void sendOutOfOrder()}
            >
              Send created + settled, reordered
            </button>
            <button
              type="button"
              className="lab-button"
              data-variant={workerRunning ? 'danger' : undefined}
              data-testid="wh-worker-toggle"
              disabled={busy || workerRunning === null}
              onClick={() => void toggleWorker()}
            >
              {workerRunning === false ? 'Start delivery worker' : 'Stop delivery worker'}
            </button>
            <span
              className={ui.state}
              data-state={workerRunning === null ? 'connecting' : workerRunning ? 'open' : 'closed'}
              data-testid="wh-worker-state"
            >
              worker {workerRunning === null ? '…' : workerRunning ? 'running' : 'stopped'}
            </span>
          </div>
          <label className={styles.check}>
            <input
              type="checkbox"
              data-testid="wh-auto"
              checked={autoEvents === true}
              disabled={busy || autoEvents === null}
              onChange={() => void toggleAuto()}
            />
            the bank sends a €1.00 transaction.created every 10 s on its own
          </label>
          <DeliveryLog deliveries={deliveries} onRedeliver={redeliver} busy={busy} />
        </section>

        <section className={styles.panel} aria-label="Your app">
          <h4 className={styles.heading}>Your app (receiver {RECEIVER})</h4>
          {settings ? (
            <>
              <div className={ui.row}>
                <label htmlFor={modeId}>Behaviour</label>
                <select
                  id={modeId}
                  className="lab-input"
                  data-testid="wh-mode"
                  value={settings.mode}
                  onChange={(e) => configure({ mode: e.target.value as Mode })}
                >
                  {MODES.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </div>
              <div className={styles.checks}>
                <Check
                  label="verify signatures"
                  testId="wh-verify"
                  checked={settings.verify}
                  onChange={(v) => configure({ verify: v })}
                />
                <Check
                  label="dedupe by event id"
                  testId="wh-dedupe"
                  checked={settings.dedupe}
                  onChange={(v) => configure({ dedupe: v })}
                />
                <Check
                  label="ignore stale updates (order by sequence)"
                  testId="wh-ordering"
                  checked={settings.ordering === 'sequence'}
                  onChange={(v) => configure({ ordering: v ? 'sequence' : 'naive' })}
                />
                <Check
                  label="verify with the wrong secret"
                  testId="wh-wrong-secret"
                  checked={settings.wrongSecret}
                  onChange={(v) => configure({ wrongSecret: v })}
                />
              </div>
            </>
          ) : (
            <p className={ui.muted}>Register the endpoint to set up your app.</p>
          )}
          <p className={styles.balance}>
            Account 123 balance:{' '}
            <strong data-testid="wh-balance" data-cents={balance ?? ''}>
              {balance === null ? '—' : euros(balance)}
            </strong>
            {app.dedupeHits > 0 && (
              <span className={ui.muted} data-testid="wh-dedupe-hits">{` · ${app.dedupeHits} duplicate(s) skipped`}</span>
            )}
          </p>
          {app.transactions.size > 0 && (
            <ul ref={transactionsRef} className={`${ui.log} ${styles.log}`} data-testid="wh-transactions">
              {[...app.transactions].map(([id, status]) => (
                <li key={id} data-tx={id} data-status={status}>
                  {id}: {status}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {failure && (
        <p className={styles.error} data-testid="wh-failure">
          {failure}
        </p>
      )}
    </WidgetFrame>
  );
}

function Check({
  label,
  testId,
  checked,
  onChange,
}: {
  label: string;
  testId: string;
  checked: boolean;
  onChange: (value: boolean) => void;
}) {
  return (
    <label className={styles.check}>
      <input type="checkbox" data-testid={testId} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

function DeliveryLog({
  deliveries,
  onRedeliver,
  busy,
}: {
  deliveries: DeliveryView[];
  onRedeliver: (event: string) => void;
  busy: boolean;
}) {
  if (deliveries.length === 0) return <p className={ui.muted}>No deliveries yet.</p>;
  return (
    <ol className={`${ui.log} ${styles.deliveries}`} data-testid="wh-deliveries">
      {deliveries.slice(0, 8).map((d) => (
        <li key={d.id} data-testid="wh-delivery" data-status={d.status} data-attempts={d.attempts.length} data-type={d.type}>
          <div className={ui.row}>
            <span className={`${ui.pill} ${styles.badge}`} data-status={d.status}>
              {d.status}
            </span>
            <code>{d.type}</code>
            <code className={ui.muted}>{d.event}</code>
            {d.status === 'failed' && (
              <button
                type="button"
                className="lab-button"
                data-testid="wh-redeliver"
                disabled={busy}
                onClick={() => onRedeliver(d.event)}
              >
                Redeliver
              </button>
            )}
          </div>
          <ul className={styles.attempts}>
            {d.attempts.map((a, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: attempts only ever append
              <li key={i} data-testid="wh-attempt" data-status={a.status ?? 'none'}>
                <span data-testid="wh-attempt-n">#{a.n}</span>
                {a.delayMs > 0 ? ` after ${(a.delayMs / 1000).toFixed(1)} s` : ' immediately'} →{' '}
                {a.durationMs === null ? '…' : `${a.status ?? a.error} (${a.durationMs.toFixed(0)} ms)`}
              </li>
            ))}
            {d.nextDelayMs !== null && d.status === 'retrying' && (
              <li className={ui.muted}>next try in {(d.nextDelayMs / 1000).toFixed(1)} s</li>
            )}
          </ul>
        </li>
      ))}
    </ol>
  );
}
