'use client';

import { useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { now } from '../../lib/clock';
import { euros, jsonOf } from './shared';
import styles from './widgets.module.css';

interface Trip {
  path: string;
  startMs: number;
  durationMs: number;
  status: number;
}
interface Screen {
  owner: string;
  balanceCents: number;
  lines: { description: string; amountCents: number; merchant: string }[];
}

/**
 * Experiment 6: an account screen built from REST resources. Each request
 * needs an answer from the one before (the transactions name merchants by
 * id), so they happen one after another: a waterfall of round trips.
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
    const get = async <T,>(path: string): Promise<T> => {
      const startMs = now() - t0;
      const response = await labFetch(path, { protocol: 'rest', cache: 'no-store' });
      const body = await jsonOf<T>(response);
      done.push({ path, startMs, durationMs: now() - t0 - startMs, status: response.status });
      setTrips([...done]);
      if (!response.ok || body === null) throw new Error(`${path} answered ${response.status}`);
      return body;
    };
    try {
      const account = await get<{ owner: string; balanceCents: number; links: { transactions: string } }>('/api/accounts/123');
      const { transactions } = await get<{
        transactions: { description: string; amountCents: number; merchantId: string | null }[];
      }>(account.links.transactions);
      const lines: Screen['lines'] = [];
      for (const t of transactions) {
        const merchant = t.merchantId ? await get<{ name: string }>(`/api/merchants/${encodeURIComponent(t.merchantId)}`) : null;
        lines.push({ description: t.description, amountCents: t.amountCents, merchant: merchant?.name ?? '—' });
      }
      setScreen({ owner: account.owner, balanceCents: account.balanceCents, lines });
      setTotalMs(now() - t0);
    } catch (error: unknown) {
      setFailure((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const span = Math.max(1, totalMs ?? trips.reduce((max, t) => Math.max(max, t.startMs + t.durationMs), 0));

  return (
    <WidgetFrame title="An account screen, resource by resource" testId="rest-waterfall">
      <div className={ui.stack}>
        <div className={ui.row}>
          <button type="button" className="lab-button" data-testid="fall-load" disabled={busy} onClick={() => void load()}>
            {busy ? 'Loading…' : 'Load the screen'}
          </button>
          {totalMs !== null && (
            <span data-testid="fall-summary" data-trips={trips.length} data-total-ms={Math.round(totalMs)}>
              {trips.length} round trips, {Math.round(totalMs)} ms in total
            </span>
          )}
        </div>
        {failure && <p className={ui.error}>{failure}</p>}
        {trips.length > 0 && (
          <ol className={styles.waterfall} data-testid="fall-trips">
            {trips.map((t) => (
              <li
                key={`${t.path}-${t.startMs}`}
                data-testid="fall-trip"
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
                <li key={`${l.description}-${l.amountCents}-${l.merchant}`}>
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
