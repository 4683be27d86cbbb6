'use client';

import { useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { now } from '../../lib/clock';
import { problemMessageIn } from '../../lib/problem';
import { euros } from './shared';
import { merchantIdsIn, SCREEN_TRANSACTIONS } from './waterfall';
import styles from './widgets.module.css';

interface Trip {
  path: string;
  /** 1, 2, 3: which wave of requests it belongs to; a wave can only start when the one before has arrived. */
  round: number;
  startMs: number;
  durationMs: number;
  status: number;
}
interface Screen {
  owner: string;
  balanceCents: number;
  lines: { id: string; description: string; amountCents: number; merchant: string }[];
}
interface Transaction {
  id: string;
  description: string;
  amountCents: number;
  merchantId: string | null;
}

/**
 * Experiment 6: an account screen built from REST resources. Each round needs
 * an answer from the one before (the account links its transactions, the
 * transactions name merchants by id), so the rounds happen one after another:
 * a waterfall of round trips. The merchants don't need each other, so they go
 * out together, each one once.
 */
export function WaterfallWidget() {
  const { fetch: labFetch } = useLab();
  const [trips, setTrips] = useState<Trip[]>([]);
  const [totalMs, setTotalMs] = useState<number | null>(null);
  const [screen, setScreen] = useState<Screen | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const load = async () => {
    setBusy(true);
    setFailure(null);
    setTrips([]);
    setTotalMs(null);
    setScreen(null);
    const t0 = now();
    const done: Trip[] = [];
    // no-store keeps the merchants out of the browser cache, so every load shows the full waterfall.
    const get = async <T,>(path: string, round: number): Promise<T> => {
      const startMs = now() - t0;
      const response = await labFetch(path, { protocol: 'rest', cache: 'no-store' });
      const text = await response.text();
      done.push({ path, round, startMs, durationMs: now() - t0 - startMs, status: response.status });
      setTrips([...done]);
      if (!response.ok) {
        throw new Error(`${path} answered ${response.status}: ${problemMessageIn(text) ?? response.statusText}`);
      }
      return JSON.parse(text) as T;
    };
    try {
      const account = await get<{ owner: string; balanceCents: number; links: { transactions: string } }>('/api/accounts/123', 1);
      const { transactions } = await get<{ transactions: Transaction[] }>(
        `${account.links.transactions}?limit=${SCREEN_TRANSACTIONS}`,
        2,
      );
      const merchants = await Promise.all(
        merchantIdsIn(transactions).map(async (id) => {
          const merchant = await get<{ name: string }>(`/api/merchants/${encodeURIComponent(id)}`, 3);
          return [id, merchant.name] as const;
        }),
      );
      const nameOf = new Map(merchants);
      const lines = transactions.map((t) => ({
        id: t.id,
        description: t.description,
        amountCents: t.amountCents,
        merchant: (t.merchantId && nameOf.get(t.merchantId)) ?? '—',
      }));
      setScreen({ owner: account.owner, balanceCents: account.balanceCents, lines });
      setTotalMs(now() - t0);
    } catch (error: unknown) {
      setFailure((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const rounds = new Set(trips.map((t) => t.round)).size;
  const span = Math.max(1, totalMs ?? trips.reduce((max, t) => Math.max(max, t.startMs + t.durationMs), 0));

  return (
    <WidgetFrame title="An account screen, resource by resource" testId="rest-waterfall">
      <div className={ui.stack}>
        <div className={ui.row}>
          <button type="button" className="lab-button" data-testid="fall-load" disabled={busy} onClick={() => void load()}>
            {busy ? 'Loading…' : 'Load the screen'}
          </button>
          {totalMs !== null && (
            <span data-testid="fall-summary" data-trips={trips.length} data-rounds={rounds} data-total-ms={Math.round(totalMs)}>
              {trips.length} requests in {rounds} rounds, {Math.round(totalMs)} ms in total
            </span>
          )}
        </div>
        {failure && <p className={ui.error}>{failure}</p>}
        {trips.length > 0 && (
          <ol className={styles.waterfall} data-testid="fall-trips">
            {trips.map((t) => (
              <li
                key={t.path}
                data-testid="fall-trip"
                data-path={t.path}
                data-round={t.round}
                data-duration-ms={Math.round(t.durationMs)}
                data-start-ms={Math.round(t.startMs)}
              >
                <span>
                  {t.path} · {Math.round(t.durationMs)} ms
                </span>
                <span className={styles.track}>
                  <span
                    className={styles.bar}
                    style={{ left: `${(100 * t.startMs) / span}%`, width: `${(100 * t.durationMs) / span}%` }}
                  />
                </span>
              </li>
            ))}
          </ol>
        )}
        {screen && (
          <div data-testid="fall-screen">
            <p>
              <strong>{screen.owner}</strong> · {euros(screen.balanceCents)}
            </p>
            <ul className={`${ui.log} ${styles.log}`}>
              {screen.lines.map((l) => (
                <li key={l.id} data-testid="fall-line" data-transaction={l.id}>
                  {l.merchant}: {l.description} {euros(l.amountCents)}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </WidgetFrame>
  );
}
